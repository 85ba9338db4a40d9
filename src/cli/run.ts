/**
 * Dispatch: finds the subcommand, prints help, and loads the command module lazily so that `--help` and
 * `mutate` never load the Kubernetes client. Errors become exit codes here, through exit-code.ts (loaded only on failure).
 */
import type { CliContext } from './context.js';
import { splitSubcommand, wantsHelp, wantsVersion, type Subcommand } from './commands/subcommand.js';

export type Command = (args: string[], context: CliContext) => Promise<number>;

async function loadCommand(command: Exclude<Subcommand, 'help'> | undefined): Promise<Command> {
  switch (command) {
    case 'mutate':
      return (await import('./commands/mutate.js')).runMutate;
    case 'list':
      return (await import('./commands/list.js')).runList;
    case 'clean':
      return (await import('./commands/clean.js')).runClean;
    case 'cp':
      return (await import('./commands/cp.js')).runCp;
    case 'completion':
      return (await import('./commands/completion.js')).runCompletion;
    default:
      return (await import('./commands/debug.js')).runDebug;
  }
}

async function printHelp(command: Subcommand | undefined, context: CliContext): Promise<number> {
  const { helpText } = await import('./commands/help.js');
  context.stdout.write(helpText(command));
  return 0;
}

/** Runs one invocation; returns the exit code. Never throws. */
export async function runCli(argv: readonly string[], context: CliContext): Promise<number> {
  try {
    if (argv[0] === '__complete') {
      const { runComplete } = await import('./commands/completion.js');
      return await runComplete(argv.slice(1), context);
    }
    const { command, args } = splitSubcommand(argv);
    if (command === 'help') {
      const topic = args.find((arg) => !arg.startsWith('-'));
      if (topic !== undefined && !['mutate', 'list', 'clean', 'cp', 'completion'].includes(topic)) {
        const { UsageError } = await import('../errors.js');
        throw new UsageError(
          `unknown command "${topic}" for "kubectl debugdead help": use mutate, list, clean, cp or completion`,
        );
      }
      return await printHelp(topic as Subcommand | undefined, context);
    }
    if (wantsHelp(args)) return await printHelp(command, context);
    if (command === undefined && wantsVersion(args)) {
      const { versionText } = await import('../build-info.js');
      context.stdout.write(versionText(context.nodeVersion));
      return 0;
    }
    const run = await loadCommand(command);
    return await run(args, context);
  } catch (error) {
    const { reportError } = await import('./exit-code.js');
    return reportError(error, context.stderr);
  }
}
