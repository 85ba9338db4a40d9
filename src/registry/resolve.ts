/**
 * The image command of one image, as the cluster would pull it: the cache when the digest is known, then each
 * candidate credential in order (the pod's pull secrets, the user's docker config, a credential helper's
 * answer), then anonymous; a candidate the registry refuses only moves on to the next. Bounded by the caller's
 * signal. Never throws: the result says what was found, or why not in one line.
 */
import type { ImageCommandCache } from './cache.js';
import type { HelperRunner } from './cred-helper.js';
import type { Credential, DirectCredential } from './credentials.js';
import type { Fetch } from './http.js';
import { readImageCommand, type ImageCommand } from './image-config.js';
import type { Platform } from './platform.js';
import type { ImageReference } from './reference.js';
import { PROBLEM_KINDS, RegistryProblem } from './registry-problem.js';

export interface ResolveDependencies {
  fetch: Fetch;
  runHelper: HelperRunner;
  cache: ImageCommandCache | undefined;
  signal: AbortSignal;
}

export type Resolution =
  /** `via`: `cache`, `anonymous`, or the source of the credential that worked. */
  { ok: true; command: ImageCommand; via: string } | { ok: false; kind: string; reason: string };

export async function resolveImageCommand(
  request: { reference: ImageReference; platform: Platform; credentials: readonly Credential[] },
  deps: ResolveDependencies,
): Promise<Resolution> {
  const { reference, platform } = request;
  if (reference.digest !== undefined && deps.cache !== undefined) {
    const cached = await deps.cache.get(reference.digest, platform);
    if (cached !== undefined) return { ok: true, command: cached, via: 'cache' };
  }
  const notes: string[] = [];
  const attempt = async (credential: DirectCredential | undefined): Promise<Resolution | undefined> => {
    try {
      const command = await readImageCommand({
        reference,
        platform,
        credential,
        signal: deps.signal,
        fetch: deps.fetch,
      });
      await deps.cache?.put(command.digest, platform, command);
      return { ok: true, command, via: credential?.source ?? 'anonymous' };
    } catch (error) {
      if (error instanceof RegistryProblem) {
        if (error.kind === PROBLEM_KINDS.auth) {
          notes.push(error.message);
          return undefined;
        }
        return { ok: false, kind: error.kind, reason: error.message };
      }
      return {
        ok: false,
        kind: 'internal',
        reason: `unexpected: ${error instanceof Error ? error.message : String(error)}`,
      };
    }
  };
  for (const credential of request.credentials) {
    let direct: DirectCredential;
    if (credential.kind === 'helper') {
      const answer = await deps.runHelper(credential, deps.signal);
      if ('problem' in answer) {
        notes.push(answer.problem);
        continue;
      }
      direct = answer;
    } else {
      direct = credential;
    }
    const result = await attempt(direct);
    if (result !== undefined) return result;
  }
  const anonymous = await attempt(undefined);
  if (anonymous !== undefined) return anonymous;
  // Every attempt was refused: say what each one met, the credentialed ones first.
  return { ok: false, kind: PROBLEM_KINDS.auth, reason: [...new Set(notes)].join('; ') };
}
