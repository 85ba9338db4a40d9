import { UsageError } from '../../errors.js';
import type { CliContext } from '../context.js';

export function runCompletion(_args: string[], _context: CliContext): Promise<number> {
  return Promise.reject(new UsageError('completion: not yet'));
}
