/**
 * `kubectl debugdead mutate -f FILE|- [-o yaml|json] [option flags]`: the mutation offline (issue 2, item 4).
 * The pod is treated as if it carried debug.dead/enable="true" plus the annotations the flags stand for.
 */
import { DeniedError, UsageError } from '../../errors.js';
import { mutatePod, type JsonObject, type Pod } from '../../mutation/index.js';
import { outputFormat, parseFlags, stringFlag } from './args.js';
import { MUTATE_FLAGS } from './flags.js';
import type { CliContext } from '../context.js';
import { EXIT_OK } from '../exit-code.js';
import { isObject } from '../../mutation/json.js';
import { readPodManifest } from '../copy/manifest.js';
import {
  flagText,
  optionAnnotations,
  optionFlagsFrom,
  validateContainerFlag,
  type OptionFlags,
} from '../copy/option-flags.js';
import { formatObject } from '../text/output.js';

/** The pod with the trigger and the flags' annotations set (flags override what the manifest had). */
export function annotateForMutation(pod: Pod, flags: OptionFlags): Pod {
  const metadata: JsonObject = isObject(pod.metadata) ? { ...pod.metadata } : {};
  const annotations = isObject(metadata.annotations) ? metadata.annotations : {};
  metadata.annotations = { ...annotations, ...optionAnnotations(flags) };
  return { ...pod, metadata };
}

export async function runMutate(args: string[], context: CliContext): Promise<number> {
  const { values, positionals } = parseFlags('mutate', args, MUTATE_FLAGS);
  if (positionals.length > 0) {
    throw new UsageError(
      `unexpected argument "${positionals[0] ?? ''}": mutate reads the pod from -f FILE (or -f - for stdin)`,
    );
  }
  const filename = stringFlag(values, 'filename');
  if (filename === undefined) {
    throw new UsageError('missing -f FILE: give the Pod manifest to rewrite (-f - reads stdin)');
  }
  const format = outputFormat(values, 'mutate') ?? 'yaml';
  const flags = optionFlagsFrom(values);

  const pod = await readPodManifest(filename, () => context.stdin);
  validateContainerFlag(pod, flagText(flags, 'container'));
  const result = mutatePod(annotateForMutation(pod, flags), context.mutationConfig, { operation: 'CREATE' });
  switch (result.outcome) {
    case 'denied':
      throw new DeniedError(result.message);
    case 'untouched':
      context.stderr.write(`note: the pod is printed unchanged: ${result.reason}\n`);
      context.stdout.write(await formatObject(pod, format));
      return EXIT_OK;
    case 'mutated':
      for (const warning of result.warnings) context.stderr.write(`Warning: ${warning}\n`);
      context.stdout.write(await formatObject(result.pod, format));
      return EXIT_OK;
  }
}
