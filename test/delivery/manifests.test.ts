/**
 * The shipped kustomizations, rendered by the real kubectl: every object validates offline against the
 * Kubernetes schema, and the pieces fit together (webhook → Service → Deployment ports, selectors, TLS
 * Secret, RBAC names, Pod Security restricted). Run: node --import tsx --test test/delivery/*.test.ts
 */
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { IMutatingWebhookConfiguration } from 'kubernetes-models/admissionregistration.k8s.io/v1/MutatingWebhookConfiguration';
import type { IValidatingAdmissionPolicy } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicy';
import type { IValidatingAdmissionPolicyBinding } from 'kubernetes-models/admissionregistration.k8s.io/v1/ValidatingAdmissionPolicyBinding';
import type { IDeployment } from 'kubernetes-models/apps/v1/Deployment';
import type { ICronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IJob } from 'kubernetes-models/batch/v1/Job';
import type { INetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
import type { IClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
import type { IRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
import type { IRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
import type { IPodSpec } from 'kubernetes-models/v1/PodSpec';
import type { IService } from 'kubernetes-models/v1/Service';
import type { IServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
import type { ICertificate } from '@kubernetes-models/cert-manager/cert-manager.io/v1/Certificate';
import { loadAll } from 'js-yaml';
import { INSTALL_NAMES, serviceDnsNames } from '../../src/tls/install-names.js';
import { restrictedViolations, type PodSpecLike } from '../helpers/pod-security.js';
import { find, findKubectl, kustomize, MANIFESTS, ROOT, stageWithCerts, type StagedCopy } from './render.js';
import { findOpenApiSpec, OpenApiSpec, schemaErrors, type KubeObject } from './schema.js';
import { selects } from './selectors.js';

const kubectl = findKubectl();
const skipNoKubectl = kubectl === undefined ? 'kubectl not found (install it or set KUBECTL)' : false;
if (skipNoKubectl !== false) console.log(`# skipping manifest tests: ${skipNoKubectl}`);

const MATCH_CONDITION =
  "has(object.metadata.annotations) && 'debug.dead/enable' in object.metadata.annotations && " +
  "object.metadata.annotations['debug.dead/enable'] == 'true'";

function must<T>(value: T | null | undefined, what: string): T {
  assert.ok(value !== undefined && value !== null, `${what} is missing`);
  return value;
}
interface Kinds {
  MutatingWebhookConfiguration: IMutatingWebhookConfiguration;
  ValidatingAdmissionPolicy: IValidatingAdmissionPolicy;
  ValidatingAdmissionPolicyBinding: IValidatingAdmissionPolicyBinding;
  Deployment: IDeployment;
  Job: IJob;
  CronJob: ICronJob;
  NetworkPolicy: INetworkPolicy;
  PodDisruptionBudget: IPodDisruptionBudget;
  Role: IRole;
  RoleBinding: IRoleBinding;
  ClusterRole: IClusterRole;
  ClusterRoleBinding: IClusterRoleBinding;
  Service: IService;
  ServiceAccount: IServiceAccount;
  Certificate: ICertificate;
}
/** The rendered object of that kind (and name), typed. */
function get<K extends keyof Kinds>(objects: readonly KubeObject[], kind: K, name?: string): Kinds[K] {
  return find(objects, kind, name) as unknown as Kinds[K];
}

async function packageVersion(): Promise<string> {
  const manifest = JSON.parse(await readFile(path.join(ROOT, 'package.json'), 'utf8')) as { version: string };
  return manifest.version;
}

interface Renderings {
  /** kubectl apply -k manifests/ */
  default: KubeObject[];
  /** kubectl apply -k manifests/overlays/certs, after npm run certs */
  certs: KubeObject[];
  /** kubectl apply -k manifests/overlays/cert-manager */
  certManager: KubeObject[];
  /** a user kustomization: the default install plus components/network-policy */
  networkPolicy: KubeObject[];
}

/** Every pod spec of a rendering, with where it comes from. */
function podTemplates(
  objects: readonly KubeObject[],
): { where: string; spec: IPodSpec; labels: Record<string, string> }[] {
  const templates: { where: string; spec: IPodSpec; labels: Record<string, string> }[] = [];
  for (const object of objects) {
    const where = `${object.kind}/${object.metadata.name}`;
    if (object.kind === 'Deployment' || object.kind === 'Job') {
      const template = must((object as unknown as IDeployment | IJob).spec?.template, `${where} template`);
      templates.push({
        where,
        spec: must(template.spec, `${where} pod spec`),
        labels: template.metadata?.labels ?? {},
      });
    }
    if (object.kind === 'CronJob') {
      const template = must((object as unknown as ICronJob).spec.jobTemplate.spec?.template, `${where} template`);
      templates.push({
        where,
        spec: must(template.spec, `${where} pod spec`),
        labels: template.metadata?.labels ?? {},
      });
    }
  }
  return templates;
}

describe('manifests', { skip: skipNoKubectl }, () => {
  let rendered: Renderings;
  let staged: StagedCopy;
  let userKustomization: string;

  before(async () => {
    const bin = must(kubectl, 'kubectl');
    staged = await stageWithCerts();
    userKustomization = await mkdtemp(path.join(os.tmpdir(), 'debugdead-np-'));
    const relative = (target: string): string => path.relative(userKustomization, target);
    await writeFile(
      path.join(userKustomization, 'kustomization.yaml'),
      [
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        `  - ${relative(MANIFESTS)}`,
        'components:',
        `  - ${relative(path.join(MANIFESTS, 'components', 'network-policy'))}`,
        '',
      ].join('\n'),
    );
    const [defaults, certs, certManager, networkPolicy] = await Promise.all([
      kustomize(bin, MANIFESTS),
      kustomize(bin, path.join(staged.manifests, 'overlays', 'certs')),
      kustomize(bin, path.join(MANIFESTS, 'overlays', 'cert-manager')),
      kustomize(bin, userKustomization),
    ]);
    rendered = { default: defaults, certs, certManager, networkPolicy };
  });

  after(async () => {
    await staged.cleanup();
    await rm(userKustomization, { recursive: true, force: true });
  });

  const paths = ['default', 'certs', 'certManager', 'networkPolicy'] as const;

  it('renders every install path with the objects it promises', () => {
    const kinds = (objects: KubeObject[]): string[] =>
      objects.map((object) => `${object.kind}/${object.metadata.name}`);
    const base = [
      'Namespace/debugdead-system',
      'ServiceAccount/debugdead-webhook',
      'Service/debugdead-webhook',
      'Deployment/debugdead-webhook',
      'PodDisruptionBudget/debugdead-webhook',
      'MutatingWebhookConfiguration/debugdead',
    ];
    const bootstrap = [
      'ServiceAccount/debugdead-tls-bootstrap',
      'Role/debugdead-tls-bootstrap',
      'RoleBinding/debugdead-tls-bootstrap',
      'ClusterRole/debugdead-tls-bootstrap',
      'ClusterRoleBinding/debugdead-tls-bootstrap',
      'ValidatingAdmissionPolicy/debugdead-tls-bootstrap-secrets',
      'ValidatingAdmissionPolicyBinding/debugdead-tls-bootstrap-secrets',
      'ValidatingAdmissionPolicy/debugdead-tls-bootstrap-ca-bundle',
      'ValidatingAdmissionPolicyBinding/debugdead-tls-bootstrap-ca-bundle',
      'Job/debugdead-tls-bootstrap',
      'CronJob/debugdead-tls-renew',
    ];
    assert.deepEqual(kinds(rendered.default).sort(), [...base, ...bootstrap].sort());
    assert.deepEqual(kinds(rendered.certs).sort(), [...base, 'Secret/debugdead-webhook-tls'].sort());
    assert.deepEqual(
      kinds(rendered.certManager).sort(),
      [
        ...base,
        'Issuer/debugdead-selfsigned',
        'Issuer/debugdead-ca',
        'Certificate/debugdead-ca',
        'Certificate/debugdead-webhook-tls',
      ].sort(),
    );
    assert.deepEqual(
      kinds(rendered.networkPolicy).sort(),
      [...base, ...bootstrap, 'NetworkPolicy/debugdead-webhook'].sort(),
    );
  });

  it('every rendered object validates against the Kubernetes (and cert-manager) schema', async () => {
    for (const name of paths)
      for (const object of rendered[name]) {
        const errors = await schemaErrors(object);
        assert.deepEqual(errors, [], `${name}: ${object.kind}/${object.metadata.name}: ${errors.join('; ')}`);
      }
  });

  it('the schema check rejects a broken object (it is not vacuous)', async () => {
    const deployment = structuredClone(find(rendered.default, 'Deployment'));
    (deployment.spec as { replicas: unknown }).replicas = 'two';
    assert.notDeepEqual(await schemaErrors(deployment), []);
    const webhook = structuredClone(find(rendered.default, 'MutatingWebhookConfiguration'));
    const first = must((webhook as unknown as IMutatingWebhookConfiguration).webhooks?.[0], 'webhook');
    (first as { sideEffects: string }).sideEffects = 'Maybe';
    assert.notDeepEqual(await schemaErrors(webhook), []);
    const secret = structuredClone(find(rendered.certs, 'Secret')) as KubeObject & { data: Record<string, string> };
    secret.data['tls.key'] = 'not base64 %%%';
    assert.notDeepEqual(await schemaErrors(secret), [], 'unwrapping line breaks does not hide bad base64');
  });

  const specDirectory = findOpenApiSpec();
  it(
    'no rendered object has a field the upstream OpenAPI spec does not know',
    {
      skip:
        specDirectory === undefined
          ? 'no k8s.io/kubernetes api/openapi-spec/v3 in the Go module cache (the API server harness brings it)'
          : false,
    },
    () => {
      const spec = new OpenApiSpec(must(specDirectory, 'OpenAPI spec'));
      let checked = 0;
      for (const name of paths)
        for (const object of rendered[name]) {
          const unknown = spec.unknownFields(object);
          if (unknown === undefined) continue; // a custom resource (cert-manager): validated above
          checked += 1;
          assert.deepEqual(unknown, [], `${name}: ${object.kind}/${object.metadata.name} has unknown fields`);
        }
      assert.ok(checked >= 15, `only ${checked} objects were checked`);
      const typo = structuredClone(find(rendered.default, 'Deployment'));
      const container = must((typo as unknown as IDeployment).spec?.template.spec?.containers[0], 'container');
      (container.securityContext as Record<string, unknown>).readOnlyRootFileSystem = true;
      assert.deepEqual(spec.unknownFields(typo), [
        '.spec.template.spec.containers[0].securityContext.readOnlyRootFileSystem',
      ]);
    },
  );

  describe('the MutatingWebhookConfiguration', () => {
    const webhookOf = (objects: KubeObject[]) => {
      const configuration = get(objects, 'MutatingWebhookConfiguration', INSTALL_NAMES.webhookConfiguration);
      const webhooks = must(configuration.webhooks, 'webhooks');
      assert.equal(webhooks.length, 1);
      return { configuration, webhook: must(webhooks[0], 'webhook') };
    };

    it('is the same in every install path except for where the caBundle comes from', () => {
      const strip = (objects: KubeObject[]) => {
        const { configuration } = webhookOf(objects);
        const copy = structuredClone(configuration);
        delete copy.metadata?.annotations;
        for (const webhook of copy.webhooks ?? []) delete webhook.clientConfig.caBundle;
        return copy;
      };
      for (const name of paths) assert.deepEqual(strip(rendered[name]), strip(rendered.default), name);
    });

    it('matches CREATE of v1 pods only, namespaced, no subresources', () => {
      const { webhook } = webhookOf(rendered.default);
      assert.deepEqual(webhook.rules, [
        { operations: ['CREATE'], apiGroups: [''], apiVersions: ['v1'], resources: ['pods'], scope: 'Namespaced' },
      ]);
      assert.equal(webhook.matchPolicy, 'Equivalent');
      assert.match(webhook.name, /^[a-z0-9-]+(\.[a-z0-9-]+){2,}$/, 'a fully qualified webhook name');
      assert.equal(webhook.objectSelector, undefined);
    });

    it('only opted-in namespaces reach it, never kube-system or debugdead-system', () => {
      const { webhook } = webhookOf(rendered.default);
      const selector = must(webhook.namespaceSelector, 'namespaceSelector');
      const exclusion = (selector.matchExpressions ?? []).find(
        (expression) => expression.key === 'kubernetes.io/metadata.name' && expression.operator === 'NotIn',
      );
      assert.ok(exclusion?.values?.includes('kube-system') && exclusion.values.includes(INSTALL_NAMES.namespace));
      const namespace = (name: string, extra: Record<string, string>) => ({
        'kubernetes.io/metadata.name': name,
        ...extra,
      });
      const optedIn = { 'debug.dead/enable': 'true' };
      assert.equal(selects(selector, namespace('team-a', optedIn)), true);
      assert.equal(selects(selector, namespace('team-a', {})), false);
      assert.equal(selects(selector, namespace('team-a', { 'debug.dead/enable': 'false' })), false);
      assert.equal(selects(selector, namespace('kube-system', optedIn)), false);
      assert.equal(selects(selector, namespace(INSTALL_NAMES.namespace, optedIn)), false);
    });

    it('has the annotation matchCondition, sideEffects None, v1 reviews, a small timeout, IfNeeded, Fail', () => {
      const { webhook } = webhookOf(rendered.default);
      assert.equal(webhook.matchConditions?.length, 1);
      assert.equal(webhook.matchConditions[0]?.expression.replace(/\s+/g, ' ').trim(), MATCH_CONDITION);
      assert.equal(webhook.sideEffects, 'None');
      assert.deepEqual(webhook.admissionReviewVersions, ['v1']);
      const timeout = must(webhook.timeoutSeconds, 'timeoutSeconds');
      assert.ok(timeout >= 1 && timeout <= 5, `timeoutSeconds ${timeout}`);
      assert.equal(webhook.reinvocationPolicy, 'IfNeeded');
      assert.equal(webhook.failurePolicy, 'Fail');
    });

    it('calls the Service, whose port reaches the webhook container on the port the server listens on', () => {
      const { webhook } = webhookOf(rendered.default);
      assert.equal(webhook.clientConfig.url, undefined);
      const target = must(webhook.clientConfig.service, 'clientConfig.service');
      assert.equal(target.path, '/mutate');
      const service = get(rendered.default, 'Service', target.name);
      assert.equal(service.metadata?.namespace, target.namespace);
      const port = must(
        service.spec?.ports?.find((candidate) => candidate.port === (target.port ?? 443)),
        'Service port',
      );
      assert.equal(port.port, 443);
      const deployment = get(rendered.default, 'Deployment');
      assert.equal(deployment.metadata?.namespace, target.namespace);
      const pod = must(deployment.spec?.template, 'template');
      assert.ok(selects({ matchLabels: must(service.spec?.selector, 'Service selector') }, pod.metadata?.labels ?? {}));
      const container = must(pod.spec?.containers[0], 'container');
      const containerPort = must(
        container.ports?.find((candidate) =>
          typeof port.targetPort === 'string'
            ? candidate.name === port.targetPort
            : candidate.containerPort === port.targetPort,
        ),
        `container port ${String(port.targetPort)}`,
      );
      const listen = container.env?.find((variable) => variable.name === 'DEBUGDEAD_PORT')?.value ?? '8443';
      assert.equal(Number(listen), containerPort.containerPort);
    });

    it('default path: no caBundle in the manifests (the bootstrap Job patches it)', () => {
      assert.equal(webhookOf(rendered.default).webhook.clientConfig.caBundle, undefined);
    });

    it('certs overlay: kustomize copies the generated ca.crt into the caBundle, and it verifies tls.crt', async () => {
      const { webhook } = webhookOf(rendered.certs);
      const secret = find(rendered.certs, 'Secret', INSTALL_NAMES.secret) as KubeObject & {
        type: string;
        data: Record<string, string>;
      };
      assert.equal(secret.type, 'kubernetes.io/tls');
      assert.equal(secret.metadata.namespace, INSTALL_NAMES.namespace);
      assert.deepEqual(
        Object.keys(secret.data).sort(),
        ['ca.crt', 'tls.crt', 'tls.key'],
        'ca.key never leaves the laptop',
      );
      const decode = (value: string | undefined) => Buffer.from(must(value, 'base64 value'), 'base64').toString('utf8');
      const bundle = decode(webhook.clientConfig.caBundle);
      assert.equal(bundle, await readFile(path.join(staged.certs, 'ca.crt'), 'utf8'));
      const ca = new X509Certificate(bundle);
      const serving = new X509Certificate(decode(secret.data['tls.crt']));
      assert.ok(serving.checkIssued(ca) && serving.verify(ca.publicKey));
      assert.ok(serving.checkHost(`${INSTALL_NAMES.service}.${INSTALL_NAMES.namespace}.svc`));
    });

    it('cert-manager overlay: cainjector reads the Certificate that fills the webhook Secret', () => {
      const { configuration } = webhookOf(rendered.certManager);
      const source = must(configuration.metadata?.annotations?.['cert-manager.io/inject-ca-from'], 'inject-ca-from');
      const [namespace, name] = source.split('/');
      const certificate = get(rendered.certManager, 'Certificate', must(name, 'Certificate name'));
      assert.equal(certificate.metadata?.namespace, namespace);
      assert.equal(certificate.spec?.secretName, INSTALL_NAMES.secret);
      assert.deepEqual(certificate.spec.dnsNames, serviceDnsNames(INSTALL_NAMES.service, INSTALL_NAMES.namespace));
      assert.ok(certificate.spec.usages?.includes('server auth'));
      const issuer = find(rendered.certManager, 'Issuer', certificate.spec.issuerRef.name);
      assert.ok(
        (issuer.spec as { ca?: { secretName?: string } }).ca?.secretName,
        'the serving certificate is signed by a CA Issuer',
      );
      const caCertificate = get(rendered.certManager, 'Certificate', 'debugdead-ca');
      assert.equal(caCertificate.spec?.isCA, true);
      assert.ok(
        (find(rendered.certManager, 'Issuer', caCertificate.spec.issuerRef.name).spec as { selfSigned?: object })
          .selfSigned,
      );
    });
  });

  describe('the webhook Deployment', () => {
    it('runs 2 replicas of the release image, spread, with a PDB, probes and resources', async () => {
      for (const name of paths) {
        const deployment = get(rendered[name], 'Deployment', 'debugdead-webhook');
        const spec = must(deployment.spec, 'spec');
        assert.equal(spec.replicas, 2);
        const labels = must(spec.template.metadata?.labels, 'pod labels');
        assert.ok(selects(spec.selector, labels), 'the Deployment selects its pods');
        const pod = must(spec.template.spec, 'pod spec');
        assert.ok((pod.topologySpreadConstraints ?? []).some((c) => c.topologyKey === 'kubernetes.io/hostname'));
        for (const constraint of pod.topologySpreadConstraints ?? [])
          assert.ok(selects(must(constraint.labelSelector, 'spread selector'), labels));
        const pdb = get(rendered[name], 'PodDisruptionBudget');
        assert.ok(selects(must(pdb.spec?.selector, 'PDB selector'), labels), 'the PDB selects the pods');
        assert.equal(pdb.spec?.minAvailable, 1);
        const container = must(pod.containers[0], 'container');
        assert.equal(container.image, `ghcr.io/debugdead/debugdead-webhook:${await packageVersion()}`);
        assert.equal(container.livenessProbe?.httpGet?.path, '/healthz');
        assert.equal(container.readinessProbe?.httpGet?.path, '/readyz');
        for (const probe of [container.livenessProbe, container.readinessProbe]) {
          assert.equal(probe.httpGet?.scheme, 'HTTPS');
          assert.equal(probe.httpGet.port, 'https');
        }
        for (const kind of ['requests', 'limits'] as const)
          for (const resource of ['cpu', 'memory'])
            assert.ok(container.resources?.[kind]?.[resource] !== undefined, `${kind}.${resource}`);
      }
    });

    it('has no Kubernetes API token and no tools image of its own (the webhook default is the one place)', () => {
      const deployment = get(rendered.default, 'Deployment', 'debugdead-webhook');
      const pod = must(deployment.spec?.template.spec, 'pod spec');
      assert.equal(pod.automountServiceAccountToken, false);
      const account = get(rendered.default, 'ServiceAccount', pod.serviceAccountName);
      assert.equal(account.automountServiceAccountToken, false);
      const container = must(pod.containers[0], 'container');
      assert.equal(
        container.env?.find((variable) => variable.name === 'DEBUGDEAD_TOOLS_IMAGE'),
        undefined,
      );
      assert.ok(!(container.args ?? []).some((arg) => arg.startsWith('--tools-image')));
      for (const name of paths)
        assert.doesNotMatch(JSON.stringify(rendered[name]), /busybox/, `${name} names a tools image`);
    });

    it('reads its certificate from the TLS Secret every install path fills', () => {
      for (const name of paths) {
        const pod = must(get(rendered[name], 'Deployment').spec?.template.spec, 'pod spec');
        const volume = must(
          pod.volumes?.find((candidate) => candidate.secret !== undefined),
          'secret volume',
        );
        assert.equal(volume.secret?.secretName, INSTALL_NAMES.secret);
        const container = must(pod.containers[0], 'container');
        const mount = must(
          container.volumeMounts?.find((candidate) => candidate.name === volume.name),
          'tls mount',
        );
        const env = (key: string) => container.env?.find((variable) => variable.name === key)?.value;
        assert.equal(env('DEBUGDEAD_TLS_CERT'), `${mount.mountPath}/tls.crt`);
        assert.equal(env('DEBUGDEAD_TLS_KEY'), `${mount.mountPath}/tls.key`);
      }
    });

    it('every pod debugdead runs meets Pod Security restricted, in a namespace that enforces it', () => {
      let checked = 0;
      for (const name of paths)
        for (const { where, spec } of podTemplates(rendered[name])) {
          assert.deepEqual(restrictedViolations(spec as PodSpecLike), [], `${name}: ${where}`);
          for (const container of spec.containers) {
            assert.equal(container.securityContext?.readOnlyRootFilesystem, true, `${where} read-only root`);
            assert.ok(Number.isInteger(container.securityContext.runAsUser ?? spec.securityContext?.runAsUser));
          }
          checked += 1;
        }
      assert.ok(checked >= 7);
      const namespace = find(rendered.default, 'Namespace', INSTALL_NAMES.namespace);
      assert.equal(namespace.metadata.labels?.['pod-security.kubernetes.io/enforce'], 'restricted');
    });
  });

  describe('the in-cluster TLS bootstrap', () => {
    it('runs the bootstrap entry point of the release image with the installed names', () => {
      const deployment = get(rendered.default, 'Deployment');
      const image = deployment.spec?.template.spec?.containers[0]?.image;
      const job = get(rendered.default, 'Job');
      const cronJob = get(rendered.default, 'CronJob');
      for (const pod of [job.spec?.template.spec, cronJob.spec.jobTemplate.spec?.template.spec]) {
        const spec = must(pod, 'bootstrap pod');
        assert.equal(spec.serviceAccountName, 'debugdead-tls-bootstrap');
        assert.notEqual(spec.automountServiceAccountToken, false, 'the bootstrap talks to the API');
        const container = must(spec.containers[0], 'container');
        assert.equal(container.image, image);
        assert.deepEqual(container.command, ['node', '/app/dist/bootstrap/main.js']);
        assert.deepEqual(container.args, [
          `--secret=${INSTALL_NAMES.secret}`,
          `--service=${INSTALL_NAMES.service}`,
          `--webhook-configuration=${INSTALL_NAMES.webhookConfiguration}`,
        ]);
      }
      assert.equal(job.metadata?.namespace, INSTALL_NAMES.namespace);
      assert.ok(
        must(job.spec?.ttlSecondsAfterFinished, 'ttl') > 0,
        'a finished Job goes away so an upgrade can re-create it',
      );
      assert.equal(cronJob.spec.concurrencyPolicy, 'Forbid');
    });

    it('RBAC names that Secret and that webhook configuration; create is fenced by a ValidatingAdmissionPolicy', () => {
      const role = get(rendered.default, 'Role', 'debugdead-tls-bootstrap');
      assert.equal(role.metadata?.namespace, INSTALL_NAMES.namespace);
      for (const rule of role.rules ?? []) {
        assert.deepEqual(rule.apiGroups, ['']);
        assert.deepEqual(rule.resources, ['secrets']);
        if (rule.resourceNames === undefined)
          assert.deepEqual(rule.verbs, ['create'], 'only create lacks resourceNames');
        else assert.deepEqual(rule.resourceNames, [INSTALL_NAMES.secret]);
      }
      assert.deepEqual((role.rules ?? []).flatMap((rule) => rule.verbs).sort(), ['create', 'get', 'update']);
      const clusterRole = get(rendered.default, 'ClusterRole', 'debugdead-tls-bootstrap');
      assert.deepEqual(clusterRole.rules, [
        {
          apiGroups: ['admissionregistration.k8s.io'],
          resources: ['mutatingwebhookconfigurations'],
          resourceNames: [INSTALL_NAMES.webhookConfiguration],
          verbs: ['get', 'patch'],
        },
      ]);
      const subject = { kind: 'ServiceAccount', name: 'debugdead-tls-bootstrap', namespace: INSTALL_NAMES.namespace };
      const binding = get(rendered.default, 'RoleBinding', 'debugdead-tls-bootstrap');
      assert.deepEqual(binding.subjects, [subject]);
      assert.equal(binding.roleRef.name, role.metadata.name);
      const clusterBinding = get(rendered.default, 'ClusterRoleBinding', 'debugdead-tls-bootstrap');
      assert.deepEqual(clusterBinding.subjects, [subject]);
      assert.equal(clusterBinding.roleRef.name, clusterRole.metadata?.name);

      const policy = get(rendered.default, 'ValidatingAdmissionPolicy', 'debugdead-tls-bootstrap-secrets');
      const spec = must(policy.spec, 'policy spec');
      assert.equal(spec.failurePolicy, 'Fail');
      assert.deepEqual(spec.matchConstraints?.resourceRules?.[0]?.resources, ['secrets']);
      assert.deepEqual(spec.matchConstraints.resourceRules[0].operations, ['CREATE']);
      assert.ok(
        selects(must(spec.matchConstraints.namespaceSelector, 'policy namespaceSelector'), {
          'kubernetes.io/metadata.name': INSTALL_NAMES.namespace,
        }),
      );
      assert.match(
        must(spec.matchConditions?.[0]?.expression, 'matchCondition'),
        new RegExp(`'system:serviceaccount:${INSTALL_NAMES.namespace}:debugdead-tls-bootstrap'`),
      );
      assert.equal(spec.validations?.[0]?.expression, `object.metadata.name == '${INSTALL_NAMES.secret}'`);
      const policyBinding = get(
        rendered.default,
        'ValidatingAdmissionPolicyBinding',
        'debugdead-tls-bootstrap-secrets',
      );
      assert.equal(policyBinding.spec.policyName, policy.metadata?.name);
      assert.deepEqual(policyBinding.spec.validationActions, ['Deny']);
    });

    it('patch on the webhook configuration is fenced by a ValidatingAdmissionPolicy to its caBundle', () => {
      // What the policy lets through is tested against the real API server in test/integration/delivery.test.ts.
      const policy = get(rendered.default, 'ValidatingAdmissionPolicy', 'debugdead-tls-bootstrap-ca-bundle');
      const spec = must(policy.spec, 'policy spec');
      assert.equal(spec.failurePolicy, 'Fail');
      assert.deepEqual(spec.matchConstraints?.resourceRules, [
        {
          apiGroups: ['admissionregistration.k8s.io'],
          apiVersions: ['*'],
          operations: ['UPDATE'],
          resources: ['mutatingwebhookconfigurations'],
        },
      ]);
      assert.equal(spec.matchConstraints.namespaceSelector, undefined, 'the object is cluster-scoped');
      assert.deepEqual(spec.matchConditions, [
        {
          name: 'bootstrap-service-account',
          expression: `request.userInfo.username == 'system:serviceaccount:${INSTALL_NAMES.namespace}:debugdead-tls-bootstrap'`,
        },
      ]);
      assert.equal(spec.validations?.length, 3);
      const binding = get(rendered.default, 'ValidatingAdmissionPolicyBinding', 'debugdead-tls-bootstrap-ca-bundle');
      assert.equal(binding.spec.policyName, policy.metadata?.name);
      assert.deepEqual(binding.spec.validationActions, ['Deny']);
      assert.equal(binding.spec.matchResources, undefined, 'every MutatingWebhookConfiguration');
    });

    it('is absent where the TLS Secret comes from elsewhere (certs, cert-manager)', () => {
      for (const objects of [rendered.certs, rendered.certManager])
        for (const kind of ['Job', 'CronJob', 'Role', 'ClusterRole', 'ValidatingAdmissionPolicy'])
          assert.equal(
            objects.find((object) => object.kind === kind),
            undefined,
            kind,
          );
    });
  });

  describe('the optional NetworkPolicy component', () => {
    it('admits only the webhook port to the webhook pods, no egress, and leaves the bootstrap alone', () => {
      const policy = get(rendered.networkPolicy, 'NetworkPolicy');
      const deployment = get(rendered.networkPolicy, 'Deployment');
      const labels = must(deployment.spec?.template.metadata?.labels, 'labels');
      assert.ok(selects(policy.spec?.podSelector ?? {}, labels));
      const job = get(rendered.networkPolicy, 'Job');
      assert.equal(selects(policy.spec?.podSelector ?? {}, job.spec?.template.metadata?.labels ?? {}), false);
      const port = deployment.spec?.template.spec?.containers[0]?.ports?.[0]?.containerPort;
      assert.deepEqual(policy.spec?.ingress, [{ ports: [{ protocol: 'TCP', port }] }]);
      assert.deepEqual(policy.spec.policyTypes, ['Ingress', 'Egress']);
      assert.deepEqual(policy.spec.egress ?? [], []);
    });
  });
});

describe('manifests/rbac/debugdead-user-role.yaml', () => {
  it('is a valid namespaced Role with what the CLI needs and nothing more', async () => {
    const [role] = loadAll(
      await readFile(path.join(MANIFESTS, 'rbac', 'debugdead-user-role.yaml'), 'utf8'),
    ) as KubeObject[];
    const object = must(role, 'Role');
    assert.deepEqual(await schemaErrors(object), []);
    assert.equal(object.kind, 'Role');
    const rules = (object as unknown as IRole).rules ?? [];
    const verbs = (resource: string) =>
      rules
        .filter((rule) => rule.resources?.includes(resource) && rule.apiGroups?.includes(''))
        .flatMap((rule) => rule.verbs);
    for (const verb of ['get', 'list', 'watch', 'create', 'delete'])
      assert.ok(verbs('pods').includes(verb), `pods ${verb}`);
    assert.ok(verbs('pods/exec').includes('create'));
    assert.ok(verbs('pods/log').includes('get'));
    assert.ok(verbs('events').includes('list'));
    const all = rules.flatMap((rule) => [...(rule.resources ?? []), ...rule.verbs, ...(rule.apiGroups ?? [])]);
    assert.ok(!all.includes('*'), 'no wildcards');
    assert.ok(!rules.some((rule) => rule.resources?.some((resource) => /secrets|update|patch/.test(resource))));
    assert.ok(
      !rules
        .flatMap((rule) => rule.verbs)
        .some((verb) => ['update', 'patch', 'deletecollection', 'escalate', 'bind'].includes(verb)),
    );
  });
});

describe('components/release', () => {
  it('tags the image with the package.json version', async () => {
    const text = await readFile(path.join(MANIFESTS, 'components', 'release', 'kustomization.yaml'), 'utf8');
    const [component] = loadAll(text) as { images: { name: string; newName: string; newTag: string }[] }[];
    assert.deepEqual(must(component, 'component').images, [
      { name: 'debugdead-webhook', newName: 'ghcr.io/debugdead/debugdead-webhook', newTag: await packageVersion() },
    ]);
  });
});
