/**
 * Captures the golden AdmissionReview requests from a real kube-apiserver, so that test/golden/ holds what
 * the API server really sends a webhook: defaulted fields, the projected service-account volume, the
 * tolerations and priority of the admission plugins that run before webhooks, managedFields, owners.
 *
 * It starts the harness of test/apiserver (build it first: bash scripts/build-apiserver.sh), registers a
 * recording webhook that allows everything, creates every pod of test/golden/pods/ plus a few operations
 * that must pass untouched (UPDATE, DELETE, a ConfigMap, an unannotated pod, an already mutated pod), and
 * writes test/golden/reviews/<name>.request.json. The expected responses are then written by
 * `UPDATE_GOLDEN=1 node --import tsx --test test/golden/golden.test.ts` and reviewed by hand.
 *
 *   node --import tsx scripts/capture-golden-reviews.ts            # all of them
 *   node --import tsx scripts/capture-golden-reviews.ts 20-foo     # only these pods (new ones), the rest kept
 *
 * The request uid is 00000000-0000-4000-8000-<the name's number>, so capturing one leaves the others valid.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import path from 'node:path';
import { load } from 'js-yaml';
import { DEFAULT_MUTATION_CONFIG, mutatePod, type JsonObject } from '../src/mutation/index.js';
import { generateCertificates } from '../src/tls/certificates.js';
import { createNamespace, startApiServer, waitFor, waitForServiceAccount } from '../test/helpers/apiserver.js';

const root = path.resolve(import.meta.dirname, '..');
const podsDir = path.join(root, 'test/golden/pods');
const outDir = path.join(root, 'test/golden/reviews');

interface Review {
  request: {
    uid: string;
    operation: string;
    kind: { kind: string };
    name?: string;
    object?: JsonObject;
    oldObject?: JsonObject;
  };
}

const captured: Review[] = [];
const certs = generateCertificates({ dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'], now: new Date() });
const recorder = https.createServer({ cert: certs['tls.crt'], key: certs['tls.key'] }, (request, response) => {
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const review = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Review;
    captured.push(review);
    response.setHeader('Content-Type', 'application/json');
    response.end(
      JSON.stringify({
        apiVersion: 'admission.k8s.io/v1',
        kind: 'AdmissionReview',
        response: { uid: review.request.uid, allowed: true },
      }),
    );
  });
});
await new Promise<void>((resolve) => recorder.listen(0, '127.0.0.1', resolve));
const port = (recorder.address() as { port: number }).port;

const server = await startApiServer({ controllerManager: true });
try {
  for (const namespace of ['team-a', 'team-b', 'team-c', 'monitoring', 'secure'])
    await createNamespace(server, namespace);
  await server.request('POST', '/api/v1/namespaces/monitoring/serviceaccounts', {
    body: { metadata: { name: 'heapster' } },
  });
  await waitForServiceAccount(server, 'monitoring', { name: 'heapster' });

  const configuration = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'MutatingWebhookConfiguration',
    metadata: { name: 'golden-capture' },
    webhooks: [
      {
        name: 'capture.golden.debug.dead',
        clientConfig: {
          url: `https://127.0.0.1:${port}/mutate`,
          caBundle: Buffer.from(certs['ca.crt']).toString('base64'),
        },
        rules: [
          {
            operations: ['CREATE', 'UPDATE', 'DELETE'],
            apiGroups: [''],
            apiVersions: ['v1'],
            resources: ['pods', 'configmaps'],
          },
        ],
        sideEffects: 'None',
        admissionReviewVersions: ['v1'],
        failurePolicy: 'Fail',
        timeoutSeconds: 10,
      },
    ],
  };
  const registered = await server.request(
    'POST',
    '/apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations',
    { body: configuration },
  );
  if (registered.status !== 201) throw new Error(`registering the capture webhook: ${registered.text}`);
  // The API server picks up webhook configurations asynchronously: probe until a ConfigMap create is seen.
  await waitFor('the capture webhook to be called', async () => {
    const name = `probe-${Date.now()}`;
    await server.request('POST', '/api/v1/namespaces/team-a/configmaps', {
      body: { metadata: { name }, data: { a: 'b' } },
    });
    return captured.some((review) => review.request.name === name) ? true : undefined;
  });
  captured.length = 0;

  const only = process.argv.slice(2);
  const saved: string[] = [];
  const save = async (name: string, review: Review | undefined): Promise<void> => {
    if (review === undefined) throw new Error(`no review captured for ${name}`);
    const number = /^(\d+)-/.exec(name)?.[1];
    if (number === undefined) throw new Error(`${name}: golden names start with their number`);
    review.request.uid = `00000000-0000-4000-8000-${number.padStart(12, '0')}`;
    await writeFile(path.join(outDir, `${name}.request.json`), `${JSON.stringify(review, null, 2)}\n`);
    saved.push(name);
  };
  const lastFor = (operation: string, kind = 'Pod') =>
    captured.filter((review) => review.request.operation === operation && review.request.kind.kind === kind).at(-1);

  const wanted = (file: string) => only.length === 0 || only.includes(file.replace(/\.yaml$/, ''));
  for (const file of (await readdir(podsDir)).filter((name) => name.endsWith('.yaml') && wanted(name)).sort()) {
    const pod = load(await readFile(path.join(podsDir, file), 'utf8')) as JsonObject;
    const namespace = (pod.metadata as { namespace: string }).namespace;
    const created = await server.request('POST', `/api/v1/namespaces/${namespace}/pods`, { body: pod });
    if (created.status !== 201) throw new Error(`creating ${file}: HTTP ${created.status} ${created.text}`);
    await save(file.replace(/\.yaml$/, ''), lastFor('CREATE'));
  }

  if (only.length > 0) {
    process.exitCode = saved.length === only.length ? 0 : 1;
  } else {
    await captureOperations(server, save, lastFor);
  }
  console.log(
    `captured ${saved.length} reviews from Kubernetes ${server.kubernetesVersion} into ${path.relative(root, outDir)}`,
  );
} finally {
  await server.stop();
  recorder.close();
}

/** The operations that must pass untouched: UPDATE, DELETE, a ConfigMap, an unannotated and a mutated pod. */
async function captureOperations(
  server: Awaited<ReturnType<typeof startApiServer>>,
  save: (name: string, review: Review | undefined) => Promise<void>,
  lastFor: (operation: string, kind?: string) => Review | undefined,
): Promise<void> {
  const heapster = '/api/v1/namespaces/monitoring/pods/heapster';
  await server.request('PATCH', heapster, {
    body: { metadata: { labels: { tier: 'monitoring' } } },
    contentType: 'application/merge-patch+json',
  });
  await save('15-update', lastFor('UPDATE'));
  await server.request('DELETE', heapster);
  await save('16-delete', lastFor('DELETE'));
  await server.request('POST', '/api/v1/namespaces/team-a/configmaps', {
    body: {
      metadata: { name: 'web-config', annotations: { 'debug.dead/enable': 'true' } },
      data: { 'config.yaml': 'listen: :8080\n' },
    },
  });
  await save('17-configmap', lastFor('CREATE', 'ConfigMap'));
  const plain = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'plain', namespace: 'team-a' },
    spec: { containers: [{ name: 'app', image: 'registry.example/app:1.0' }] },
  };
  await server.request('POST', '/api/v1/namespaces/team-a/pods', { body: plain });
  await save('18-not-annotated', lastFor('CREATE'));
  const local = mutatePod(
    { ...plain, metadata: { name: 'plain-local', namespace: 'team-a', annotations: { 'debug.dead/enable': 'true' } } },
    DEFAULT_MUTATION_CONFIG,
  );
  if (local.outcome !== 'mutated') throw new Error('the local mutation failed');
  await server.request('POST', '/api/v1/namespaces/team-a/pods', { body: local.pod });
  await save('19-already-mutated', lastFor('CREATE'));
}
