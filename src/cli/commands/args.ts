/**
 * Flag parsing in the shape of kubectl (pflag): `--flag value`, `--flag=value`, `-n value`, `-n=value`,
 * `--bool`, `--bool=false`, `--` ends the flags; an unknown flag is a usage error that says so. Built on
 * node:util parseArgs, from a command's table in flags.ts; option values are judged in copy/option-flags.ts.
 */
import { parseArgs } from 'node:util';
import { UsageError } from '../../errors.js';
import type { FlagSpecs } from './flags.js';

export type FlagValues = Record<string, string | boolean | undefined>;

export interface ParsedFlags {
  values: FlagValues;
  positionals: string[];
}

function usageHint(command: string): string {
  return `See 'kubectl debugdead${command === '' ? '' : ` ${command}`} --help' for usage.`;
}

/** Rewrites kubectl spellings parseArgs does not know: `--bool=false` (returned in `negated`), `-n=value`. */
function normalise(args: readonly string[], specs: FlagSpecs, command: string): { args: string[]; negated: string[] } {
  const negated: string[] = [];
  const shorts = new Set(Object.values(specs).flatMap((spec) => (spec.short ? [spec.short] : [])));
  const end = args.indexOf('--');
  const flags = end === -1 ? args : args.slice(0, end);
  const afterFlags = end === -1 ? [] : args.slice(end);
  const result: string[] = [];
  for (const arg of flags) {
    const assignment = booleanAssignment(arg, specs);
    if (assignment === undefined) result.push(...splitShortAssignment(arg, shorts));
    else if (booleanValue(assignment.name, assignment.value, command)) result.push(`--${assignment.name}`);
    else negated.push(assignment.name);
  }
  return { args: [...result, ...afterFlags], negated };
}

/** `--name=value` where `name` is a boolean flag: its name and value; undefined for any other argument. */
function booleanAssignment(arg: string, specs: FlagSpecs): { name: string; value: string } | undefined {
  const match = /^--([^=]+)=(.*)$/s.exec(arg);
  if (!match) return undefined;
  const [, name = '', value = ''] = match;
  return specs[name]?.type === 'boolean' ? { name, value } : undefined;
}

/** The value of kubectl's `--bool=true|false`; anything else is a usage error naming the flag. */
function booleanValue(name: string, value: string, command: string): boolean {
  if (value === 'true') return true;
  if (value === 'false') return false;
  throw new UsageError(`invalid argument "${value}" for "--${name}" flag: use true or false\n${usageHint(command)}`);
}

/** `-n=value` for a known shorthand becomes `-n value`; any other argument is kept as it is. */
function splitShortAssignment(arg: string, shorts: ReadonlySet<string>): string[] {
  const match = /^-([A-Za-z])=(.*)$/s.exec(arg);
  if (!match) return [arg];
  const [, letter = '', value = ''] = match;
  return shorts.has(letter) ? [`-${letter}`, value] : [arg];
}

/** Parses the flags of one command; unknown flags and missing values are usage errors (exit 2). */
export function parseFlags(command: string, args: readonly string[], specs: FlagSpecs): ParsedFlags {
  const options = Object.fromEntries(
    Object.entries(specs).map(([name, spec]) => [
      name,
      spec.short ? { type: spec.type, short: spec.short } : { type: spec.type },
    ]),
  );
  const normalised = normalise(args, specs, command);
  try {
    const { values, positionals } = parseArgs({ args: normalised.args, options, strict: true, allowPositionals: true });
    const result: FlagValues = { ...values };
    for (const name of normalised.negated) result[name] = false;
    return { values: result, positionals };
  } catch (error) {
    throw new UsageError(`${describeParseError(error)}\n${usageHint(command)}`, { cause: error });
  }
}

function describeParseError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  const option = /'(-[^' ]+)/.exec(message)?.[1] ?? '';
  switch (code) {
    case 'ERR_PARSE_ARGS_UNKNOWN_OPTION':
      return option.startsWith('--') || option === ''
        ? `unknown flag: ${option}`
        : `unknown shorthand flag: '${option.slice(1)}' in ${option}`;
    case 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE':
      return /argument missing/.test(message)
        ? `flag needs an argument: ${option}`
        : `flag ${option} does not take a value`;
    default:
      return message;
  }
}

export function stringFlag(values: FlagValues, name: string): string | undefined {
  const value = values[name];
  return typeof value === 'string' ? value : undefined;
}

export function booleanFlag(values: FlagValues, name: string): boolean | undefined {
  const value = values[name];
  return typeof value === 'boolean' ? value : undefined;
}

/** --kubeconfig, --context and -n/--namespace, as kubeconfig resolution takes them. */
export function clusterFlags(values: FlagValues): {
  kubeconfig: string | undefined;
  context: string | undefined;
  namespace: string | undefined;
} {
  return {
    kubeconfig: stringFlag(values, 'kubeconfig'),
    context: stringFlag(values, 'context'),
    namespace: stringFlag(values, 'namespace'),
  };
}

/** -o/--output: yaml or json. */
export function outputFormat(values: FlagValues, command: string): 'yaml' | 'json' | undefined {
  const value = stringFlag(values, 'output');
  if (value === undefined) return undefined;
  if (value === 'yaml' || value === 'json') return value;
  throw new UsageError(
    `unable to match a printer suitable for the output format "${value}": use -o yaml or -o json\n${usageHint(command)}`,
  );
}
