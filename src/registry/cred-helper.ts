/**
 * The docker credential-helper protocol: `docker-credential-NAME get` reads the server URL on stdin and
 * prints `{"ServerURL": …, "Username": …, "Secret": …}`. The environment (PATH) comes from the caller;
 * bounded by the caller's signal.
 */
import { execFile } from 'node:child_process';
import type { DirectCredential, HelperCredential } from './credentials.js';

export type HelperRunner = (
  helper: HelperCredential,
  signal: AbortSignal,
) => Promise<DirectCredential | { problem: string }>;

/** A runner that executes helpers with this environment (PATH decides which `docker-credential-*` runs). */
export function credentialHelperRunner(env: Record<string, string | undefined>): HelperRunner {
  return (helper, signal) =>
    new Promise((resolve) => {
      const program = `docker-credential-${helper.helper}`;
      const child = execFile(
        program,
        ['get'],
        { env, signal, timeout: 5000, maxBuffer: 64 * 1024, encoding: 'utf8' },
        (error, stdout, stderr) => {
          if (error !== null) {
            const code = (error as { code?: unknown }).code;
            const why =
              code === 'ENOENT'
                ? `${program} is not installed (not on PATH)`
                : `${program} failed: ${(stdout.trim() || stderr.trim() || error.message).split('\n')[0] ?? ''}`;
            resolve({ problem: why });
            return;
          }
          resolve(parseHelperAnswer(stdout, helper));
        },
      );
      child.stdin?.end(helper.serverUrl);
    });
}

/** The helper's JSON answer: a username and secret, or (Username `<token>`) an identity token. */
export function parseHelperAnswer(stdout: string, helper: HelperCredential): DirectCredential | { problem: string } {
  const program = `docker-credential-${helper.helper}`;
  let answer: unknown;
  try {
    answer = JSON.parse(stdout);
  } catch {
    return { problem: `${program} answered something that is not JSON` };
  }
  const record = (typeof answer === 'object' && answer !== null ? answer : {}) as Record<string, unknown>;
  const username = record.Username;
  const secret = record.Secret;
  if (typeof username !== 'string' || typeof secret !== 'string' || secret === '') {
    return { problem: `${program} has no credentials for ${helper.serverUrl}` };
  }
  if (username === '<token>') return { kind: 'identity', identityToken: secret, source: helper.source };
  return { kind: 'basic', username, password: secret, source: helper.source };
}
