/** Reading one Pod manifest (YAML or JSON) from a file or stdin, for `mutate -f`. */
import { readFileSync } from 'node:fs';
import { UsageError } from '../../errors.js';
import type { Pod } from '../../mutation/index.js';
import type { Input } from '../context.js';
import { isObject, stringAt } from '../../mutation/json.js';
import { readYamlDocuments } from '../text/yaml.js';

/** 8 MiB: far above any pod the API server accepts (1.5 MiB requests); guards against reading a disk image. */
const MAX_MANIFEST_BYTES = 8 * 1024 * 1024;

async function readStream(stream: Input): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream as AsyncIterable<string | Uint8Array>) {
    const buffer =
      typeof chunk === 'string' ? Buffer.from(chunk) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    size += buffer.length;
    if (size > MAX_MANIFEST_BYTES)
      throw new UsageError(`stdin holds more than ${MAX_MANIFEST_BYTES} bytes: not a Pod manifest`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

async function readSource(filename: string, stdin: () => Input): Promise<string> {
  if (filename === '-') return readStream(stdin());
  try {
    // Sync: one small file, and node:fs/promises would cost the command a few ms of start-up to load.
    return readFileSync(filename, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : String(code ?? error);
    throw new UsageError(`cannot read -f ${filename}: ${why}`, { cause: error });
  }
}

async function parse(text: string, where: string): Promise<unknown> {
  const trimmed = text.trimStart();
  if (trimmed === '') throw new UsageError(`${where} is empty: expected a Pod manifest`);
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new UsageError(`${where} is not valid JSON: ${(error as Error).message}`, { cause: error });
    }
  }
  let documents: unknown[];
  try {
    documents = await readYamlDocuments(text);
  } catch (error) {
    const message = (error as Error).message.split('\n')[0] ?? '';
    throw new UsageError(`${where} is not valid YAML: ${message}`, { cause: error });
  }
  if (documents.length !== 1) {
    throw new UsageError(`${where} holds ${documents.length} documents: mutate takes exactly one Pod`);
  }
  return documents[0];
}

/**
 * The Pod in FILE (or stdin for "-"). Anything else is a usage error naming what was found. stdin is asked for
 * only for "-": making process.stdin loads the stream modules, a few ms of start-up.
 */
export async function readPodManifest(filename: string, stdin: () => Input): Promise<Pod> {
  const where = filename === '-' ? 'stdin' : filename;
  const object = await parse(await readSource(filename, stdin), where);
  if (!isObject(object)) throw new UsageError(`${where} is not a Kubernetes object: expected a Pod manifest`);
  const kind = stringAt(object, 'kind');
  const apiVersion = stringAt(object, 'apiVersion');
  if (kind !== 'Pod' || (apiVersion !== undefined && apiVersion !== 'v1')) {
    const what =
      kind === undefined ? 'an object without kind' : `a ${kind}${apiVersion === undefined ? '' : ` (${apiVersion})`}`;
    throw new UsageError(
      `${where} holds ${what}, not a v1 Pod: mutate rewrites Pods (for a workload, take one of its pods: kubectl get pod NAME -o yaml)`,
    );
  }
  if (!isObject(object.spec)) throw new UsageError(`${where}: the Pod has no spec`);
  return object;
}
