/**
 * Finding the subcommand and -h/--help among the arguments. Imports only the flag tables, so that `--help` loads
 * as little as possible.
 */
import { valueFlagSpellings } from './flags.js';

export const SUBCOMMANDS = ['mutate', 'list', 'clean', 'cp', 'completion', 'help'] as const;
export type Subcommand = (typeof SUBCOMMANDS)[number];

/** Every flag that takes a value, in any command (from the flag tables): to find the subcommand among the arguments. */
const VALUE_FLAGS = valueFlagSpellings();

/**
 * Finds the subcommand: the first argument that is neither a flag nor a flag's value. `kubectl debugdead
 * -n shop list` is `list`; a pod named "list" is written `pod/list`.
 */
export function splitSubcommand(argv: readonly string[]): { command: Subcommand | undefined; args: string[] } {
  for (let index = 0; index < argv.length; index += 1) {
    const arg = argv[index] ?? '';
    if (arg === '--') break;
    if (arg.startsWith('-')) {
      if (VALUE_FLAGS.has(arg)) index += 1;
      continue;
    }
    if ((SUBCOMMANDS as readonly string[]).includes(arg)) {
      return { command: arg as Subcommand, args: [...argv.slice(0, index), ...argv.slice(index + 1)] };
    }
    break;
  }
  return { command: undefined, args: [...argv] };
}

/** True when -h/--help appears among the flags. */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '-h' || arg === '--help' || arg === '--help=true') return true;
  }
  return false;
}

/** True when --version appears among the flags. */
export function wantsVersion(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--version' || arg === '--version=true') return true;
  }
  return false;
}
