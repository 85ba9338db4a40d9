/**
 * The webhook's configuration: flags and `DEBUGDEAD_*` environment variables, flags winning.
 * A pure function of (argv, env); only `main.ts` reads the real ones and passes them in.
 */
import { UsageError } from '../errors.js';
import {
  DEFAULT_MUTATION_CONFIG,
  type MutationConfig,
  MAX_DEADLINE_SECONDS,
  type OptionName as MutationOptionName,
  type OptionValue,
  parseDuration,
  parseOption,
  formatDuration,
} from '../mutation/index.js';
import { REVIEW_LIMITS, SERVER_LIMITS, type ReviewLimits, type ServerLimits } from './limits.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

const MIB = 1024 * 1024;
/** The API server itself refuses request bodies over 3 MiB; an AdmissionReview adds its envelope. */
export const MIN_BODY_LIMIT_BYTES = 3 * MIB;
export const DEFAULT_BODY_LIMIT_BYTES = 6 * MIB;
export const DEFAULT_PORT = 8443;
export const DEFAULT_CERTS_DIR = 'certs';
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 5_000;

export interface WebhookConfig {
  /** Interface to listen on; undefined listens on all of them (what a pod needs). */
  host: string | undefined;
  port: number;
  /** Both set, or both undefined (then a localhost certificate is generated into certsDir). */
  tlsCert: string | undefined;
  tlsKey: string | undefined;
  certsDir: string;
  mutation: MutationConfig;
  logLevel: LogLevel;
  bodyLimitBytes: number;
  /** How long SIGTERM waits for in-flight reviews before closing connections. */
  shutdownTimeoutMs: number;
  /** Connection bounds, passed to startServer as they are. */
  server: ServerLimits;
  /** Review bounds, passed to createApp as they are. */
  reviews: ReviewLimits;
  help: boolean;
}

interface Option {
  flag: string;
  env: string;
  /** Placeholder shown in --help. */
  value: string;
  description: string;
  defaultText: string;
}

const OPTIONS = {
  host: {
    flag: '--host',
    env: 'DEBUGDEAD_HOST',
    value: 'ADDRESS',
    description: 'interface to listen on',
    defaultText: 'all interfaces',
  },
  port: {
    flag: '--port',
    env: 'DEBUGDEAD_PORT',
    value: 'PORT',
    description: 'HTTPS port (0 picks a free one)',
    defaultText: String(DEFAULT_PORT),
  },
  tlsCert: {
    flag: '--tls-cert',
    env: 'DEBUGDEAD_TLS_CERT',
    value: 'FILE',
    description: 'PEM certificate (chain); reloaded when it changes',
    defaultText: 'generated for localhost into --certs-dir',
  },
  tlsKey: {
    flag: '--tls-key',
    env: 'DEBUGDEAD_TLS_KEY',
    value: 'FILE',
    description: 'PEM private key of --tls-cert',
    defaultText: 'generated with the certificate',
  },
  certsDir: {
    flag: '--certs-dir',
    env: 'DEBUGDEAD_CERTS_DIR',
    value: 'DIR',
    description: 'where the localhost certificate and its CA are generated (when no --tls-cert)',
    defaultText: DEFAULT_CERTS_DIR,
  },
  toolsImage: {
    flag: '--tools-image',
    env: 'DEBUGDEAD_TOOLS_IMAGE',
    value: 'IMAGE',
    description: 'image with a static /bin/busybox (pods override it with debug.dead/image)',
    defaultText: DEFAULT_MUTATION_CONFIG.toolsImage,
  },
  defaultTtl: {
    flag: '--default-ttl',
    env: 'DEBUGDEAD_DEFAULT_TTL',
    value: 'DURATION',
    description: 'time to live of a copy, like 90m, 8h, 2d (pods override it with debug.dead/ttl)',
    defaultText: formatDuration(DEFAULT_MUTATION_CONFIG.defaultTtlSeconds),
  },
  mountPath: {
    flag: '--mount-path',
    env: 'DEBUGDEAD_MOUNT_PATH',
    value: 'PATH',
    description: 'where the tools are mounted in the target containers',
    defaultText: DEFAULT_MUTATION_CONFIG.mountPath,
  },
  logLevel: {
    flag: '--log-level',
    env: 'DEBUGDEAD_LOG_LEVEL',
    value: 'LEVEL',
    description: LOG_LEVELS.join('|'),
    defaultText: 'info',
  },
  bodyLimit: {
    flag: '--body-limit',
    env: 'DEBUGDEAD_BODY_LIMIT',
    value: 'SIZE',
    description: 'largest AdmissionReview accepted, in bytes or with Ki/Mi (at least 3Mi); larger gets 413',
    defaultText: '6Mi',
  },
  shutdownTimeout: {
    flag: '--shutdown-timeout',
    env: 'DEBUGDEAD_SHUTDOWN_TIMEOUT',
    value: 'DURATION',
    description: 'on SIGTERM, how long in-flight reviews may take to finish',
    defaultText: '5s',
  },
  headerTimeout: {
    flag: '--header-timeout',
    env: 'DEBUGDEAD_HEADER_TIMEOUT',
    value: 'DURATION',
    description: 'a connection that has not finished TLS and sent its request headers by then is closed',
    defaultText: formatDuration(SERVER_LIMITS.headersTimeoutMs / 1000),
  },
  maxConnections: {
    flag: '--max-connections',
    env: 'DEBUGDEAD_MAX_CONNECTIONS',
    value: 'N',
    description: 'open connections at most; more are closed at once and logged',
    defaultText: String(SERVER_LIMITS.maxConnections),
  },
  maxReviews: {
    flag: '--max-reviews',
    env: 'DEBUGDEAD_MAX_REVIEWS',
    value: 'N',
    description: `large reviews (body over ${REVIEW_LIMITS.smallBodyBytes / 1024} KiB) in progress at most; more wait up to ${formatDuration(REVIEW_LIMITS.queueTimeoutMs / 1000)}, then get 429`,
    defaultText: String(REVIEW_LIMITS.maxReviews),
  },
  reviewWorkers: {
    flag: '--review-workers',
    env: 'DEBUGDEAD_REVIEW_WORKERS',
    value: 'N',
    description: `threads that parse, mutate and encode large reviews (body over ${REVIEW_LIMITS.smallBodyBytes / 1024} KiB), so the probes never wait for them; each may use a ${REVIEW_LIMITS.workerHeapMiB} MiB heap`,
    defaultText: String(REVIEW_LIMITS.workers),
  },
} as const satisfies Record<string, Option>;

type OptionName = keyof typeof OPTIONS;
const OPTION_NAMES = Object.keys(OPTIONS) as OptionName[];
const BY_FLAG = new Map<string, OptionName>(OPTION_NAMES.map((name) => [OPTIONS[name].flag, name]));

/** Where a raw value came from, for error messages ("--port" or "DEBUGDEAD_PORT"). */
interface RawValue {
  text: string;
  source: string;
}

export const HELP_TEXT = `debugdead-webhook: the debugdead mutating admission webhook (HTTPS).

Usage: debugdead-webhook [options]

Pods created with the annotation debug.dead/enable: "true" are rewritten into debuggable copies.
Endpoints: POST /mutate, GET /healthz, GET /readyz, GET /metrics.

Options (each also as an environment variable; a flag wins over the variable):
${OPTION_NAMES.map((name) => {
  const option: Option = OPTIONS[name];
  return `  ${`${option.flag} ${option.value}`.padEnd(26)} ${option.env}\n      ${option.description} (default: ${option.defaultText})`;
}).join('\n')}
  -h, --help                 show this help

With no --tls-cert/--tls-key, a self-signed certificate for localhost, 127.0.0.1 and ::1 is generated into
--certs-dir (reused while valid) and a curl line to try the webhook is printed.
`;

function collectFlags(argv: readonly string[]): { values: Partial<Record<OptionName, RawValue>>; help: boolean } {
  const values: Partial<Record<OptionName, RawValue>> = {};
  let help = false;
  for (let index = 0; index < argv.length; index += 1) {
    const argument = argv[index] ?? '';
    if (argument === '-h' || argument === '--help') {
      help = true;
      continue;
    }
    if (!argument.startsWith('--')) {
      throw new UsageError(`unexpected argument "${argument}": debugdead-webhook takes only options (see --help)`);
    }
    const equals = argument.indexOf('=');
    const flag = equals === -1 ? argument : argument.slice(0, equals);
    const name = BY_FLAG.get(flag);
    if (name === undefined) {
      throw new UsageError(
        `unknown option ${flag}; valid options: ${OPTION_NAMES.map((n) => OPTIONS[n].flag).join(', ')}, --help`,
      );
    }
    let text: string;
    if (equals !== -1) {
      text = argument.slice(equals + 1);
    } else {
      const next = argv[index + 1];
      if (next === undefined || next.startsWith('--')) {
        throw new UsageError(`${flag} needs a value: ${flag} ${OPTIONS[name].value}`);
      }
      text = next;
      index += 1;
    }
    if (text.trim() === '')
      throw new UsageError(`${flag} needs a value, got an empty one: ${flag} ${OPTIONS[name].value}`);
    values[name] = { text, source: flag };
  }
  return { values, help };
}

function lookup(
  name: OptionName,
  flags: Partial<Record<OptionName, RawValue>>,
  env: Readonly<Record<string, string | undefined>>,
): RawValue | undefined {
  const fromFlag = flags[name];
  if (fromFlag !== undefined) return fromFlag;
  const variable = OPTIONS[name].env;
  const text = env[variable];
  // An empty variable (common in manifests that template values) counts as unset.
  if (text === undefined || text.trim() === '') return undefined;
  return { text, source: variable };
}

function parsePort(raw: RawValue): number {
  const text = raw.text.trim();
  const port = /^\d{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(port) || port > 65535) {
    throw new UsageError(`${raw.source}: "${raw.text}" is not a port; use a number from 0 to 65535, like 8443`);
  }
  return port;
}

const SIZE_UNITS = { '': 1, k: 1000, Ki: 1024, M: 1000 ** 2, Mi: MIB } as const;

function parseBodyLimit(raw: RawValue): number {
  const match = /^(\d+)(Ki|Mi|k|M)?$/.exec(raw.text.trim());
  const unit = (match?.[2] ?? '') as keyof typeof SIZE_UNITS;
  const bytes = match === null ? Number.NaN : Number(match[1]) * SIZE_UNITS[unit];
  if (!Number.isSafeInteger(bytes)) {
    throw new UsageError(`${raw.source}: "${raw.text}" is not a size; use bytes or Ki/Mi, like 6Mi`);
  }
  if (bytes < MIN_BODY_LIMIT_BYTES) {
    throw new UsageError(
      `${raw.source}: ${raw.text} is below 3Mi; the API server sends pods up to 3 MiB, use at least 3Mi (default 6Mi)`,
    );
  }
  return bytes;
}

function parseCount(raw: RawValue, example: number): number {
  const text = raw.text.trim();
  const count = /^\d{1,7}$/.test(text) ? Number(text) : Number.NaN;
  if (!(count >= 1)) {
    throw new UsageError(
      `${raw.source}: "${raw.text}" is not a count; use a whole number of at least 1, like ${example}`,
    );
  }
  return count;
}

/** A webhook timeout (not a mutation option): seconds. */
function parseTimeout(raw: RawValue, example: string): number {
  const seconds = parseDuration(raw.text);
  if (seconds === undefined || seconds > MAX_DEADLINE_SECONDS) {
    throw new UsageError(
      `${raw.source}: "${raw.text}" is not a duration; use a number with s, m, h or d, like ${example}`,
    );
  }
  return seconds;
}

/**
 * A mutation option's value, judged by the mutation's own check (src/mutation/options.ts) and worded with
 * the flag or variable it came from: `--default-ttl: "x" is not a duration; use … (default: 24h)`.
 */
function mutationOption<N extends MutationOptionName>(option: N, raw: RawValue, defaultText: string): OptionValue<N> {
  const parsed = parseOption(option, raw.text.trim());
  if (parsed.ok) return parsed.value;
  const { reason, valid } = parsed.problem;
  throw new UsageError(`${raw.source}: "${raw.text}" ${reason}; use ${valid} (default: ${defaultText})`);
}

function parseLogLevel(raw: RawValue): LogLevel {
  const text = raw.text.trim().toLowerCase();
  const level = LOG_LEVELS.find((candidate) => candidate === text);
  if (level === undefined)
    throw new UsageError(`${raw.source}: "${raw.text}" is not a log level; use one of ${LOG_LEVELS.join(', ')}`);
  return level;
}

/** An option's value as it was given (flag first, then variable), or undefined. */
type Lookup = (name: OptionName) => RawValue | undefined;

/** The parsed value of an option that was given, else its default. */
function parsedOr<T>(raw: RawValue | undefined, fallback: T, parse: (raw: RawValue) => T): T {
  return raw === undefined ? fallback : parse(raw);
}

/** --tls-cert and --tls-key come together, or neither does. */
function checkTlsPair(tlsCert: RawValue | undefined, tlsKey: RawValue | undefined): void {
  if ((tlsCert === undefined) === (tlsKey === undefined)) return;
  const given = tlsCert ?? tlsKey;
  const missing = tlsCert === undefined ? OPTIONS.tlsCert : OPTIONS.tlsKey;
  throw new UsageError(
    `${given?.source ?? ''} is set but ${missing.flag} (${missing.env}) is not; give both, or neither to generate a localhost certificate`,
  );
}

/** The mutation's settings, each judged by the mutation's own check. */
function mutationSettings(get: Lookup): MutationConfig {
  const { toolsImage, defaultTtlSeconds, mountPath } = DEFAULT_MUTATION_CONFIG;
  return {
    toolsImage: parsedOr(get('toolsImage'), toolsImage, (raw) =>
      mutationOption('image', raw, OPTIONS.toolsImage.defaultText),
    ),
    defaultTtlSeconds: parsedOr(get('defaultTtl'), defaultTtlSeconds, (raw) =>
      mutationOption('ttl', raw, OPTIONS.defaultTtl.defaultText),
    ),
    mountPath: parsedOr(get('mountPath'), mountPath, (raw) =>
      mutationOption('mountPath', raw, OPTIONS.mountPath.defaultText),
    ),
  };
}

/** Connection bounds: SERVER_LIMITS with the ones given. */
function serverLimits(get: Lookup): ServerLimits {
  return {
    ...SERVER_LIMITS,
    headersTimeoutMs: parsedOr(
      get('headerTimeout'),
      SERVER_LIMITS.headersTimeoutMs,
      (raw) => parseTimeout(raw, '15s') * 1000,
    ),
    maxConnections: parsedOr(get('maxConnections'), SERVER_LIMITS.maxConnections, (raw) =>
      parseCount(raw, SERVER_LIMITS.maxConnections),
    ),
  };
}

/** Review bounds: REVIEW_LIMITS with the ones given. */
function reviewLimits(get: Lookup): ReviewLimits {
  return {
    ...REVIEW_LIMITS,
    maxReviews: parsedOr(get('maxReviews'), REVIEW_LIMITS.maxReviews, (raw) =>
      parseCount(raw, REVIEW_LIMITS.maxReviews),
    ),
    workers: parsedOr(get('reviewWorkers'), REVIEW_LIMITS.workers, (raw) => parseCount(raw, REVIEW_LIMITS.workers)),
  };
}

/**
 * Parses the webhook's flags (`--name value` or `--name=value`) and `DEBUGDEAD_*` variables.
 * Throws UsageError naming the flag or variable and the fix. `help` is set when -h/--help was given.
 * Values are judged in the order of the fields below, so the first bad one is the one reported.
 */
export function parseConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): WebhookConfig {
  const { values: flags, help } = collectFlags(argv);
  const get: Lookup = (name) => lookup(name, flags, env);

  const tlsCert = get('tlsCert');
  const tlsKey = get('tlsKey');
  checkTlsPair(tlsCert, tlsKey);

  return {
    host: get('host')?.text.trim(),
    port: parsedOr(get('port'), DEFAULT_PORT, parsePort),
    tlsCert: tlsCert?.text,
    tlsKey: tlsKey?.text,
    certsDir: get('certsDir')?.text ?? DEFAULT_CERTS_DIR,
    mutation: mutationSettings(get),
    logLevel: parsedOr(get('logLevel'), 'info', parseLogLevel),
    bodyLimitBytes: parsedOr(get('bodyLimit'), DEFAULT_BODY_LIMIT_BYTES, parseBodyLimit),
    shutdownTimeoutMs: parsedOr(
      get('shutdownTimeout'),
      DEFAULT_SHUTDOWN_TIMEOUT_MS,
      (raw) => parseTimeout(raw, '5s') * 1000,
    ),
    server: serverLimits(get),
    reviews: reviewLimits(get),
    help,
  };
}
