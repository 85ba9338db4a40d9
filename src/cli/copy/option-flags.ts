/**
 * The option flags (the entries of OPTION_FLAGS with an `option`): each value judged by the mutation's
 * validator (checkOption) and worded for the flag, then turned into the debug.dead/* annotation of its option
 * (SPEC §2). Adding an option flag is an entry in flags.ts, not a change here. Pure.
 */
import { UsageError } from '../../errors.js';
import {
  ANNOTATIONS,
  OPTIONS,
  checkOption,
  containerNames,
  parseOption,
  selectContainers,
  type OptionName,
  type Pod,
} from '../../mutation/index.js';
import type { FlagValues } from '../commands/args.js';
import { OPTION_FLAGS, flagLabel, type FlagSpec } from '../commands/flags.js';
import { stringAt } from '../../mutation/json.js';

/** The option flags given, by the option they set: text as typed, booleans as given (--keep-probes=false: false). */
export type OptionFlags = { readonly [N in OptionName]?: string | boolean | undefined };

const OPTION_FLAG_ENTRIES = (Object.entries(OPTION_FLAGS) as [string, FlagSpec][]).flatMap(([name, spec]) =>
  spec.option === undefined ? [] : [{ name, spec, option: spec.option }],
);

/** The flag that sets an option, for messages: `-c/--container`. */
function labelOf(option: OptionName): string {
  const entry = OPTION_FLAG_ENTRIES.find((candidate) => candidate.option === option);
  return entry === undefined ? option : flagLabel(entry.name, entry.spec);
}

/** The option flags among the parsed values, each judged by the mutation's validator. Throws UsageError naming the flag. */
export function optionFlagsFrom(values: FlagValues): OptionFlags {
  const flags: { [N in OptionName]?: string | boolean } = {};
  for (const { name, option } of OPTION_FLAG_ENTRIES) {
    const value = values[name];
    if (value === undefined) continue;
    const problem = checkOption(option, String(value).trim());
    if (problem !== undefined) {
      throw new UsageError(`invalid value "${String(value)}" for ${labelOf(option)}: use ${problem.valid}`);
    }
    flags[option] = value;
  }
  return flags;
}

/** The text of an option flag, or undefined when it was not given (or is a boolean). */
export function flagText(flags: OptionFlags, option: OptionName): string | undefined {
  const value = flags[option];
  return typeof value === 'string' ? value : undefined;
}

/** Describes the pod's containers for messages: "app, sidecar (init containers: migrate)". */
export function describeContainers(pod: Pod): string {
  const { containers, initContainers } = containerNames(pod);
  const main = containers.length === 0 ? '(none)' : containers.join(', ');
  return initContainers.length === 0 ? main : `${main} (init containers: ${initContainers.join(', ')})`;
}

/**
 * Checks -c/--container against the pod before anything is created, by the mutation's own rules (the syntax of
 * debug.dead/container and the selection the webhook denies by), worded for the flag.
 */
export function validateContainerFlag(pod: Pod, container: string | undefined): void {
  if (container === undefined) return;
  const parsed = parseOption('container', container);
  if (!parsed.ok) {
    throw new UsageError(`invalid value "${container}" for ${labelOf('container')}: use ${parsed.problem.valid}`);
  }
  const { unknown } = selectContainers(pod, parsed.value);
  if (unknown.length === 0) return;
  const podName = stringAt(pod.metadata, 'name') ?? '(unnamed)';
  const which =
    unknown.length === 1 ? `container "${unknown[0] ?? ''}"` : `containers ${unknown.map((n) => `"${n}"`).join(', ')}`;
  throw new UsageError(
    `${which} not found in pod "${podName}": ${labelOf('container')} must name one of ${describeContainers(pod)}, or *`,
  );
}

/** The annotations the flags stand for: the trigger, plus one per flag given. */
export function optionAnnotations(flags: OptionFlags): Record<string, string> {
  const annotations: Record<string, string> = { [ANNOTATIONS.enable]: 'true' };
  for (const { option } of OPTION_FLAG_ENTRIES) {
    const value = flags[option];
    const annotation = OPTIONS[option].annotation;
    if (value !== undefined && annotation !== undefined) annotations[annotation] = String(value).trim();
  }
  return annotations;
}
