// PLACEHOLDER: the real mutation is being written; this stub only fixes the signature.
import type { MutationConfig } from './config.js';
import type { MutationResult } from './types.js';

export interface MutationRequest {
  /** Admission operation; only CREATE mutates. Defaults to CREATE (offline use). */
  operation?: string;
}

export function mutatePod(_object: unknown, _config: MutationConfig, _request: MutationRequest = {}): MutationResult {
  return { outcome: 'untouched', reason: 'not implemented yet' };
}
