/**
 * Prints the journey's workloads (test/node/workloads.ts) as one kubectl List for the kind e2e
 * (test/e2e/run.sh): each namespace named PREFIX + its key, with its labels, then its objects in it. The
 * e2e builds the images they name with Docker (test/e2e/crash/Dockerfile), so the same objects run there.
 *
 *   node --import tsx test/e2e/workloads.ts debugdead-e2e- | kubectl apply -f -
 *
 * The `local` namespace is left out: `--local` bypasses the webhook, and the e2e tests the installed one.
 */
import { WORKLOADS } from '../node/workloads.js';

/** The namespaces the e2e does not use (see above). */
export const E2E_SKIPPED_NAMESPACES: readonly string[] = ['local'];

/** The List to apply: namespaces first, so that kubectl creates them before what goes in them. */
export function e2eWorkloads(prefix: string): { apiVersion: 'v1'; kind: 'List'; items: object[] } {
  const used = Object.entries(WORKLOADS).filter(([key]) => !E2E_SKIPPED_NAMESPACES.includes(key));
  const namespaces = used.map(([key, { labels }]) => ({
    apiVersion: 'v1',
    kind: 'Namespace',
    metadata: { name: `${prefix}${key}`, labels },
  }));
  const objects = used.flatMap(([key, { objects: items }]) =>
    items.map((object) => {
      const { metadata, ...rest } = object as { metadata: Record<string, unknown> };
      return { ...rest, metadata: { ...metadata, namespace: `${prefix}${key}` } };
    }),
  );
  return { apiVersion: 'v1', kind: 'List', items: [...namespaces, ...objects] };
}

if (import.meta.main) {
  const prefix = process.argv[2];
  if (prefix === undefined || !/^[a-z0-9-]*$/.test(prefix)) {
    console.error('usage: node --import tsx test/e2e/workloads.ts NAMESPACE-PREFIX (lower-case letters, digits, -)');
    process.exit(2);
  }
  console.log(JSON.stringify(e2eWorkloads(prefix), null, 2));
}
