/**
 * Golden AdmissionReviews: each test/golden/reviews/<name>.request.json was captured from a real
 * kube-apiserver (scripts/capture-golden-reviews.ts); <name>.response.json is the exact answer the webhook
 * must give, and <name>.patch.json its patch decoded, for reading. `UPDATE_GOLDEN=1` rewrites both; review
 * the diff before committing.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import jsonpatch from 'fast-json-patch';
import { DEFAULT_MUTATION_CONFIG, type JsonObject } from '../../src/mutation/index.js';
import { reviewAdmission } from '../../src/webhook/admission.js';
import { podProblems } from '../helpers/pod-check.js';
import { podRestrictedViolations } from '../helpers/pod-security.js';

const dir = path.join(import.meta.dirname, 'reviews');
const update = process.env.UPDATE_GOLDEN === '1';
const names = readdirSync(dir)
  .filter((file) => file.endsWith('.request.json'))
  .map((file) => file.replace(/\.request\.json$/, ''))
  .sort();

function readJson(file: string): unknown {
  return JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as unknown;
}

function writeJson(file: string, value: unknown): void {
  writeFileSync(path.join(dir, file), `${JSON.stringify(value, null, 2)}\n`);
}

describe('golden AdmissionReviews captured from kube-apiserver', () => {
  test('there are at least 12 of them, mutated, denied and untouched', () => {
    assert.ok(names.length >= 12, `only ${names.length} golden reviews`);
  });

  for (const name of names) {
    test(name, () => {
      const body = readFileSync(path.join(dir, `${name}.request.json`), 'utf8');
      const request = (JSON.parse(body) as { request: { uid: string; object: JsonObject | null } }).request;
      const { review } = reviewAdmission(body, DEFAULT_MUTATION_CONFIG);
      const patch =
        review.response.patch === undefined
          ? undefined
          : (JSON.parse(Buffer.from(review.response.patch, 'base64').toString('utf8')) as jsonpatch.Operation[]);
      if (update) {
        writeJson(`${name}.response.json`, review);
        if (patch === undefined) rmSync(path.join(dir, `${name}.patch.json`), { force: true });
        else writeJson(`${name}.patch.json`, patch);
      }
      assert.deepEqual(review, readJson(`${name}.response.json`));
      assert.equal(review.response.uid, request.uid);
      const patchFile = `${name}.patch.json`;
      assert.equal(
        existsSync(path.join(dir, patchFile)),
        patch !== undefined,
        `${patchFile} exists exactly when there is a patch`,
      );
      if (patch === undefined || request.object === null) return;
      assert.deepEqual(patch, readJson(patchFile));
      const original = request.object;
      assert.equal(jsonpatch.validate(patch, structuredClone(original)), undefined);
      const mutated = jsonpatch.applyPatch(structuredClone(original), patch, true, false).newDocument;
      assert.deepEqual(podProblems(mutated), []);
      const before = podRestrictedViolations(original);
      assert.deepEqual(
        podRestrictedViolations(mutated).filter((violation) => !before.includes(violation)),
        [],
      );
    });
  }
});
