/**
 * Flows only the fake can stage: API failures injected at the HTTP boundary, broken credentials and
 * certificates, an unreachable server, kubeconfig details, --exec/--rm through a fake kubectl on PATH.
 */
import assert from 'node:assert/strict';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, beforeEach, describe, it } from 'node:test';
import type { JsonObject } from '../../src/mutation/index.js';
import { generateCertificates } from '../../src/tls/certificates.js';
import { FakeApiServer, defaultKubelet, pendingStep } from './fake-apiserver.js';
import { deploymentPod } from './fixtures.js';
import { runCliInProcess } from './harness.js';
import { COPY, SOURCE, simplify } from './scenarios.js';

const NS = 'shop';
const POD_PATH = `/api/v1/namespaces/${NS}/pods`;

describe('API failures and environment, against the fake API server', () => {
  let fake: FakeApiServer;
  let dir: string;
  const run = (argv: string[], options: Parameters<typeof runCliInProcess>[1] = {}) =>
    runCliInProcess(argv, { kubeconfig: fake.kubeconfigPath, ...options });

  before(async () => {
    fake = await FakeApiServer.start();
    dir = await mkdtemp(path.join(tmpdir(), 'debugdead-api-flows-'));
  });
  after(async () => {
    await fake.close();
    await rm(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    fake.pods.clear();
    fake.events.length = 0;
    fake.failures.length = 0;
    fake.kubelet = defaultKubelet;
    fake.addNamespace(NS, { 'debug.dead/enable': 'true' });
    fake.addPod(deploymentPod());
    fake.requests.length = 0;
  });

  function copies(): JsonObject[] {
    return fake.podsWithLabel('debug.dead/copy-of');
  }

  const createFailures: { name: string; status: number; reason: string; message: string; expected: string }[] = [
    {
      name: 'RBAC: create forbidden',
      status: 403,
      reason: 'Forbidden',
      message: 'pods is forbidden: User "dev" cannot create resource "pods" in API group "" in the namespace "shop"',
      expected:
        'error: forbidden: context "fake" may not create pods in namespace "shop". Ask for RBAC permission to "create" "pods" in ' +
        'namespace "shop" (a Role and RoleBinding). The API server said: pods is forbidden: User "dev" cannot create resource "pods" ' +
        'in API group "" in the namespace "shop"\n',
    },
    {
      name: 'Pod Security rejects the copy',
      status: 403,
      reason: 'Forbidden',
      message: `pods "${COPY}" is forbidden: violates PodSecurity "baseline:latest": hostPath volumes (volume "host")`,
      expected:
        `error: Pod Security admission in namespace "shop" rejected pod "${COPY}": pods "${COPY}" is forbidden: violates PodSecurity ` +
        '"baseline:latest": hostPath volumes (volume "host"). debugdead adds nothing that lowers a pod\'s level, so the source pod ' +
        "itself does not meet the namespace's enforce level; debug it in a namespace whose pod-security.kubernetes.io/enforce level it meets\n",
    },
    {
      name: 'a ResourceQuota rejects the copy',
      status: 403,
      reason: 'Forbidden',
      message: `pods "${COPY}" is forbidden: exceeded quota: pods, requested: pods=1, used: pods=10, limited: pods=10`,
      expected:
        `error: a ResourceQuota in namespace "shop" rejected pod "${COPY}": pods "${COPY}" is forbidden: exceeded quota: pods, ` +
        'requested: pods=1, used: pods=10, limited: pods=10. Free some quota (kubectl debugdead clean --all removes old copies) or ask for a larger quota\n',
    },
    {
      name: "debugdead's webhook denies the copy",
      status: 400,
      reason: 'BadRequest',
      message:
        'admission webhook "pods.debug.dead" denied the request: pod has a Windows spec.os.name: a Linux busybox cannot run there',
      expected:
        'error: the debugdead webhook denied the copy: pod has a Windows spec.os.name: a Linux busybox cannot run there\n',
    },
  ];
  for (const failure of createFailures) {
    it(`${failure.name}: exit 1, the message, no copy`, async () => {
      fake.fail({
        method: 'POST',
        path: /\/pods$/,
        status: failure.status,
        reason: failure.reason,
        message: failure.message,
      });
      const result = await run([SOURCE, '-n', NS]);
      assert.equal(result.code, 1);
      assert.equal(result.stderr, failure.expected);
      assert.deepEqual(
        simplify(fake.requests).map((request) => `${request.method} ${request.path}`),
        [`GET ${POD_PATH}/${SOURCE}`, `POST ${POD_PATH}`],
      );
      assert.deepEqual(copies(), []);
    });
  }

  it('RBAC: reading the source pod forbidden', async () => {
    fake.fail({
      method: 'GET',
      path: /\/pods\//,
      status: 403,
      reason: 'Forbidden',
      message: 'pods "web" is forbidden: User "dev" cannot get resource "pods"',
    });
    const result = await run([SOURCE, '-n', NS]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^error: forbidden: context "fake" may not get pods in namespace "shop"\. Ask for RBAC permission to "get" "pods"/,
    );
  });

  it('wrong credentials: 401 says to log in again', async () => {
    const file = path.join(dir, 'badtoken');
    await writeFile(file, fake.kubeconfig().replace(fake.token, 'expired-token'));
    const result = await runCliInProcess([SOURCE, '-n', NS], { kubeconfig: file });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `error: the API server ${fake.url} rejected the credentials of context "fake" (401 Unauthorized): log in again or refresh your kubeconfig (an expired token or certificate)\n`,
    );
  });

  it('unreachable cluster', async () => {
    const port = await new Promise<number>((resolve) => {
      const server = createServer();
      server.listen(0, '127.0.0.1', () => {
        const address = server.address() as { port: number };
        server.close(() => resolve(address.port));
      });
    });
    const file = path.join(dir, 'closed');
    await writeFile(file, fake.kubeconfig(`https://127.0.0.1:${port}`));
    const result = await runCliInProcess(['list'], { kubeconfig: file });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `error: cannot reach the Kubernetes API server at https://127.0.0.1:${port} (context "fake"): connection refused. Is the cluster ` +
        'running, and is this the right context? (kubectl config current-context; kubectl cluster-info --context fake)\n',
    );
  });

  it('a server certificate the kubeconfig does not trust', async () => {
    const other = generateCertificates({ dnsNames: ['localhost'], now: new Date(), keyBits: 1024 });
    const file = path.join(dir, 'otherca');
    await writeFile(
      file,
      fake
        .kubeconfig()
        .replace(Buffer.from(fake.ca).toString('base64'), Buffer.from(other['ca.crt']).toString('base64')),
    );
    const result = await runCliInProcess(['list'], { kubeconfig: file });
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      new RegExp(
        `^error: cannot trust the Kubernetes API server at ${fake.url.replace(/\./g, '\\.')} \\(context "fake"\\): [A-Z_]+\\. `,
      ),
    );
  });

  it('no kubeconfig: exit 1 and no request anywhere', async () => {
    const result = await runCliInProcess([SOURCE], { kubeconfig: undefined, homeDir: dir });
    assert.equal(result.code, 1);
    assert.equal(
      result.stderr,
      `error: no kubeconfig: ${path.join(dir, '.kube', 'config')} does not exist and KUBECONFIG is not set. Point KUBECONFIG or --kubeconfig at the kubeconfig of your cluster (for kind: kind export kubeconfig)\n`,
    );
    assert.deepEqual(fake.requests, []);
  });

  it('the context namespace is used without -n; --kubeconfig and --context are repeated in printed commands', async () => {
    const file = path.join(dir, 'withns');
    await writeFile(file, fake.kubeconfig().replace('    user: fake-user', '    user: fake-user\n    namespace: shop'));
    const result = await runCliInProcess([SOURCE, '--kubeconfig', file, '--context', 'fake'], {
      kubeconfig: undefined,
    });
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stdout,
      new RegExp(`  kubectl exec -it --kubeconfig ${file} --context fake -n shop ${COPY} -c app -- `),
    );
    assert.match(
      result.stdout,
      new RegExp(`  kubectl debugdead clean --kubeconfig ${file} --context fake -n shop ${COPY}\\n$`),
    );
  });

  it('events that cannot be read are skipped with a note; the copy still comes up', async () => {
    fake.fail({
      method: 'GET',
      path: /\/events$/,
      status: 403,
      reason: 'Forbidden',
      message: 'events is forbidden: User "dev" cannot list resource "events"',
    });
    const result = await run([SOURCE, '-n', NS]);
    assert.equal(result.code, 0, result.stderr);
    assert.match(
      result.stderr,
      /\n {2}\(events are not shown: forbidden: context "fake" may not list events in namespace "shop"\)\n/,
    );
    assert.equal(
      fake.requests.filter((request) => request.method === 'GET' && request.path.endsWith('/events')).length,
      1,
      'events are asked for once',
    );
  });

  it('an API failure while waiting deletes the copy', async () => {
    fake.kubelet = (pod) => [pendingStep(pod)];
    fake.fail({
      method: 'GET',
      path: new RegExp(`/pods/${COPY}$`),
      status: 503,
      reason: 'ServiceUnavailable',
      message: 'etcd leader changed',
    });
    const result = await run([SOURCE, '-n', NS]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /error: the API server .* failed to get pod "debug-web-7d4b9c8f6d-x2k9p-k3x9q" in namespace "shop" \(HTTP 503 ServiceUnavailable\): etcd leader changed\. Try again in a moment\n$/,
    );
    assert.equal(fake.requests.at(-1)?.method, 'DELETE');
    assert.deepEqual(copies(), []);
  });

  it('when the cleanup itself fails, the message says how to delete the copy', async () => {
    const bare = 'bare';
    fake.addNamespace(bare);
    fake.addPod(deploymentPod({ namespace: bare }));
    fake.fail({
      method: 'DELETE',
      path: /\/pods\//,
      status: 403,
      reason: 'Forbidden',
      message:
        'pods "debug-web-7d4b9c8f6d-x2k9p-k3x9q" is forbidden: User "dev" cannot delete resource "pods" in API group "" in the namespace "bare"',
    });
    const result = await run([SOURCE, '-n', bare]);
    assert.equal(result.code, 1);
    assert.match(
      result.stderr,
      /^error: the copy bare\/debug-web-7d4b9c8f6d-x2k9p-k3x9q came back without the debug.dead\/mutated marker: .*\nThe copy could not be deleted \(forbidden: context "fake" may not delete pods in namespace "bare"\. .*\): kubectl debugdead clean -n bare debug-web-7d4b9c8f6d-x2k9p-k3x9q\n$/s,
    );
  });

  it('a pod the mutation refuses (Windows) is refused before anything is created, with the denial', async () => {
    const windows = deploymentPod({ name: 'win-1' });
    (windows.spec as JsonObject).os = { name: 'windows' };
    fake.addPod(windows);
    fake.requests.length = 0;
    const result = await run(['win-1', '-n', NS]);
    assert.equal(result.code, 1);
    assert.match(result.stderr, /^error: .*[Ww]indows.*\n$/s);
    assert.deepEqual(
      fake.requests.map((request) => `${request.method} ${request.path}`),
      [`GET ${POD_PATH}/win-1`],
    );
    assert.deepEqual(copies(), []);
  });

  it('--same-node keeps nodeName; refused for a pod never scheduled', async () => {
    const same = await run([SOURCE, '-n', NS, '--same-node', '--dry-run=client', '-o', 'json']);
    assert.equal(same.code, 0, same.stderr);
    assert.equal((JSON.parse(same.stdout) as { spec: { nodeName: string } }).spec.nodeName, 'worker-2');
    const pending = deploymentPod({ name: 'pending-1' });
    delete (pending.spec as JsonObject).nodeName;
    fake.addPod(pending);
    const refused = await run(['pending-1', '-n', NS, '--same-node']);
    assert.equal(refused.code, 2);
    assert.equal(
      refused.stderr,
      'error: --same-node: pod "pending-1" was never scheduled to a node, so there is no node to put the copy on\n',
    );
    assert.deepEqual(copies(), []);
  });

  describe('--exec and --rm through kubectl on PATH', () => {
    let bin: string;
    let record: string;
    before(async () => {
      bin = path.join(dir, 'bin');
      record = path.join(dir, 'kubectl-args');
      await import('node:fs/promises').then((fs) => fs.mkdir(bin, { recursive: true }));
      await writeFile(
        path.join(bin, 'kubectl'),
        '#!/bin/sh\nprintf "%s\\n" "$@" > "$RECORD"\nexit "${FAKE_EXIT:-0}"\n',
      );
      await chmod(path.join(bin, 'kubectl'), 0o755);
    });
    const shellArgs = [
      'exec',
      '-it',
      '-n',
      NS,
      COPY,
      '-c',
      'app',
      '--',
      '/debug-dead/busybox',
      'env',
      'ENV=/debug-dead/.profile',
      '/debug-dead/busybox',
      'sh',
    ];

    it('--exec runs kubectl exec -it with the shell, and leaves the copy', async () => {
      const result = await run([SOURCE, '-n', NS, '--exec'], {
        searchPath: bin,
        childEnv: { PATH: bin, RECORD: record },
      });
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual((await readFile(record, 'utf8')).trimEnd().split('\n'), shellArgs);
      assert.equal(copies().length, 1);
    });
    it('--exec --rm deletes the copy when the shell exits, also after a failing last command', async () => {
      const result = await run([SOURCE, '-n', NS, '--exec', '--rm'], {
        searchPath: bin,
        childEnv: { PATH: bin, RECORD: record, FAKE_EXIT: '3' },
      });
      assert.equal(result.code, 0, result.stderr);
      assert.match(result.stderr, /note: the shell exited with code 3\n$/);
      assert.match(result.stdout, new RegExp(`pod "${COPY}" deleted\\n$`));
      assert.deepEqual(copies(), []);
      const deleted = fake.requests.at(-1);
      assert.equal(deleted?.method, 'DELETE');
      assert.equal(deleted.path, `${POD_PATH}/${COPY}`);
    });
  });

  describe('usage errors: exit 2, no request beyond what the check needs', () => {
    const cases: { argv: string[]; message: string; requests: number }[] = [
      {
        argv: [SOURCE, '--rm'],
        message: '--rm deletes the copy when the shell of --exec exits: use it with --exec',
        requests: 0,
      },
      {
        argv: [SOURCE, '-o', 'yaml'],
        message: '-o/--output prints the copy without creating it: use it with --dry-run=client or --dry-run=server',
        requests: 0,
      },
      {
        argv: [SOURCE, '--dry-run=maybe'],
        message: 'invalid --dry-run value "maybe": use --dry-run=client or --dry-run=server',
        requests: 0,
      },
      {
        argv: [SOURCE, '--dry-run=client', '-o', 'wide'],
        message:
          'unable to match a printer suitable for the output format "wide": use -o yaml or -o json\nSee \'kubectl debugdead --help\' for usage.',
        requests: 0,
      },
      {
        argv: [SOURCE, '--timeout', 'soon'],
        message: 'invalid value "soon" for --timeout: use a positive duration such as 90s, 5m or 1h',
        requests: 0,
      },
      {
        argv: [SOURCE, '--ttl', '0s'],
        message:
          'invalid value "0s" for --ttl: use a positive Go duration such as 90m, 8h, 1h30m or 2d (units s, m, h, d)',
        requests: 0,
      },
      {
        argv: [SOURCE, '--volumes', 'keep'],
        message:
          'invalid value "keep" for --volumes: use "empty" (PVCs become emptyDir, the default) or "readonly" (PVCs kept, mounted read-only)',
        requests: 0,
      },
      {
        argv: [SOURCE, 'other'],
        message: `expected one POD, got 2: ${SOURCE} other\nSee 'kubectl debugdead --help' for usage.`,
        requests: 0,
      },
      {
        argv: ['svc/web'],
        message:
          '"svc/web": debugdead copies pods and the pods of workloads, not "svc". Name a POD, or TYPE/NAME with TYPE one of pod, deploy, rs, sts, ds, job or cronjob',
        requests: 0,
      },
      {
        argv: [SOURCE, '-A'],
        message:
          '-A/--all-namespaces is for choosing among dead containers when no POD is given: with a POD, use -n NAMESPACE',
        requests: 0,
      },
      {
        argv: [SOURCE, '--exec', '--no-wait'],
        message: '--exec opens a shell in the running copy: it cannot be combined with --no-wait',
        requests: 0,
      },
      {
        argv: [SOURCE, '--bogus'],
        message: "unknown flag: --bogus\nSee 'kubectl debugdead --help' for usage.",
        requests: 0,
      },
      {
        argv: [SOURCE, '-x'],
        message: "unknown shorthand flag: 'x' in -x\nSee 'kubectl debugdead --help' for usage.",
        requests: 0,
      },
      {
        argv: [SOURCE, '--ttl'],
        message: "flag needs an argument: --ttl\nSee 'kubectl debugdead --help' for usage.",
        requests: 0,
      },
      {
        argv: [SOURCE, '--keep-probes=yes'],
        message:
          'invalid argument "yes" for "--keep-probes" flag: use true or false\nSee \'kubectl debugdead --help\' for usage.',
        requests: 0,
      },
      {
        argv: [SOURCE, '-n', NS, '-c', 'app,ghost,spirit'],
        message: `containers "ghost", "spirit" not found in pod "${SOURCE}": -c/--container must name one of app, metrics (init containers: migrate), or *`,
        requests: 1,
      },
      {
        argv: ['clean'],
        message: 'name the copies to delete, or use --all (kubectl debugdead list shows them)',
        requests: 0,
      },
      { argv: ['clean', 'x', '--all'], message: 'give either POD names or --all, not both', requests: 0 },
      {
        argv: ['clean', 'x', '-A'],
        message: '-A/--all-namespaces goes with --all: name pods with -n NAMESPACE instead',
        requests: 0,
      },
      {
        argv: ['list', 'x'],
        message: 'unexpected argument "x": list takes no arguments (use -n NAMESPACE or -A)',
        requests: 0,
      },
      {
        argv: ['help', 'nope'],
        message: 'unknown command "nope" for "kubectl debugdead help": use mutate, list, clean, cp or completion',
        requests: 0,
      },
    ];
    for (const testCase of cases) {
      it(testCase.argv.join(' '), async () => {
        const result = await run(testCase.argv);
        assert.equal(result.code, 2);
        assert.equal(result.stderr, `error: ${testCase.message}\n`);
        assert.equal(result.stdout, '');
        assert.equal(fake.requests.length, testCase.requests);
        assert.deepEqual(copies(), []);
      });
    }
    it('--keep-probes=false and -n=NS are kubectl spellings that work', async () => {
      const result = await run([SOURCE, '-n=shop', '--keep-probes=false', '--dry-run=client', '-o', 'json']);
      assert.equal(result.code, 0, result.stderr);
      const annotations = (JSON.parse(result.stdout) as { metadata: { annotations: Record<string, string> } }).metadata
        .annotations;
      assert.equal(annotations['debug.dead/keep-probes'], 'false');
    });
  });

  describe('list and clean across namespaces', () => {
    it('list -A and clean --all -A', async () => {
      fake.addNamespace('payments', { 'debug.dead/enable': 'true' });
      fake.addPod(deploymentPod({ namespace: 'payments' }));
      assert.equal((await run([SOURCE, '-n', NS, '--no-wait'], { suffix: 'aaaaa' })).code, 0);
      assert.equal((await run([SOURCE, '-n', 'payments', '--no-wait'], { suffix: 'bbbbb' })).code, 0);
      fake.requests.length = 0;
      const list = await run(['list', '-A']);
      assert.equal(list.code, 0, list.stderr);
      assert.equal(
        list.stdout,
        [
          'NAMESPACE   NAME                               SOURCE                          CONTAINER   PHASE     AGE   EXPIRES',
          `payments    debug-${SOURCE}-bbbbb   payments/${SOURCE}   app         Pending   30m   in 23h30m`,
          `shop        debug-${SOURCE}-aaaaa   shop/${SOURCE}       app         Pending   30m   in 23h30m`,
          '',
        ].join('\n'),
      );
      assert.deepEqual(simplify(fake.requests), [
        { method: 'GET', path: '/api/v1/pods', query: { labelSelector: 'debug.dead/copy-of' } },
      ]);
      const clean = await run(['clean', '--all', '-A']);
      assert.equal(clean.code, 0, clean.stderr);
      assert.equal(
        clean.stdout,
        `pod "debug-${SOURCE}-aaaaa" deleted from namespace "shop"\npod "debug-${SOURCE}-bbbbb" deleted from namespace "payments"\n`,
      );
      assert.deepEqual(copies(), []);
      assert.equal(fake.pods.size, 2, 'the two source pods are untouched');
    });
  });
});
