import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DeniedError, KubeApiError } from '../../src/errors.js';
import {
  networkCode,
  translateNetworkError,
  translateStatus,
  type ApiOperation,
} from '../../src/cli/kube/api-errors.js';

const endpoint = { server: 'https://10.0.0.1:6443', contextName: 'prod' };
const getPod: ApiOperation = { verb: 'get', resource: 'pods', namespace: 'shop', name: 'web-1' };
const createPod: ApiOperation = { verb: 'create', resource: 'pods', namespace: 'shop', name: 'debug-web-1-abcde' };
const listAll: ApiOperation = { verb: 'list', resource: 'pods' };

function statusBody(code: number, reason: string, message: string, details?: object): object {
  return {
    kind: 'Status',
    apiVersion: 'v1',
    status: 'Failure',
    code,
    reason,
    message,
    ...(details ? { details } : {}),
  };
}

describe('translateStatus: every API failure says what happened and what to do', () => {
  const cases: {
    name: string;
    status: number;
    body: object;
    operation: ApiOperation;
    type: typeof KubeApiError | typeof DeniedError;
    message: string;
  }[] = [
    {
      name: 'pod not found names the namespace searched',
      status: 404,
      body: statusBody(404, 'NotFound', 'pods "web-1" not found', { name: 'web-1', kind: 'pods' }),
      operation: getPod,
      type: KubeApiError,
      message:
        'pod "web-1" not found in namespace "shop" (context "prod"). List the pods with kubectl get pods -n shop, use -n for another ' +
        'namespace, or run kubectl debugdead -A with no POD to pick a dead container anywhere',
    },
    {
      name: 'namespace not found on create',
      status: 404,
      body: statusBody(404, 'NotFound', 'namespaces "shop" not found', { name: 'shop', kind: 'namespaces' }),
      operation: createPod,
      type: KubeApiError,
      message: 'namespace "shop" not found: check -n/--namespace (kubectl get namespaces)',
    },
    {
      name: 'RBAC forbidden names verb, resource and namespace',
      status: 403,
      body: statusBody(
        403,
        'Forbidden',
        'pods is forbidden: User "dev" cannot create resource "pods" in API group "" in the namespace "shop"',
      ),
      operation: createPod,
      type: KubeApiError,
      message:
        'forbidden: context "prod" may not create pods in namespace "shop". Ask for RBAC permission to "create" "pods" in namespace ' +
        '"shop" (a Role and RoleBinding). The API server said: pods is forbidden: User "dev" cannot create resource "pods" in API ' +
        'group "" in the namespace "shop"',
    },
    {
      name: 'RBAC forbidden cluster-wide (-A)',
      status: 403,
      body: statusBody(
        403,
        'Forbidden',
        'pods is forbidden: User "dev" cannot list resource "pods" in API group "" at the cluster scope',
      ),
      operation: listAll,
      type: KubeApiError,
      message:
        'forbidden: context "prod" may not list pods in any namespace (cluster-wide). Ask for RBAC permission to "list" "pods" ' +
        'cluster-wide (a ClusterRole and ClusterRoleBinding). The API server said: pods is forbidden: User "dev" cannot list ' +
        'resource "pods" in API group "" at the cluster scope',
    },
    {
      name: 'Pod Security rejection',
      status: 403,
      body: statusBody(
        403,
        'Forbidden',
        'pods "debug-web-1-abcde" is forbidden: violates PodSecurity "restricted:latest": runAsNonRoot != true',
      ),
      operation: createPod,
      type: KubeApiError,
      message:
        'Pod Security admission in namespace "shop" rejected pod "debug-web-1-abcde": pods "debug-web-1-abcde" is forbidden: violates ' +
        'PodSecurity "restricted:latest": runAsNonRoot != true. debugdead adds nothing that lowers a pod\'s level, so the source pod ' +
        "itself does not meet the namespace's enforce level; debug it in a namespace whose pod-security.kubernetes.io/enforce level it meets",
    },
    {
      name: 'quota rejection',
      status: 403,
      body: statusBody(
        403,
        'Forbidden',
        'pods "debug-web-1-abcde" is forbidden: exceeded quota: compute, requested: limits.memory=256Mi, used: limits.memory=1Gi, limited: limits.memory=1Gi',
      ),
      operation: createPod,
      type: KubeApiError,
      message:
        'a ResourceQuota in namespace "shop" rejected pod "debug-web-1-abcde": pods "debug-web-1-abcde" is forbidden: exceeded quota: ' +
        'compute, requested: limits.memory=256Mi, used: limits.memory=1Gi, limited: limits.memory=1Gi. Free some quota (kubectl ' +
        'debugdead clean --all removes old copies) or ask for a larger quota',
    },
    {
      name: 'a failed quota (limits required) is the quota, not RBAC',
      status: 403,
      body: statusBody(
        403,
        'Forbidden',
        'pods "debug-web-1-abcde" is forbidden: failed quota: compute: must specify limits.cpu for: app',
      ),
      operation: createPod,
      type: KubeApiError,
      message:
        'a ResourceQuota in namespace "shop" rejected pod "debug-web-1-abcde": pods "debug-web-1-abcde" is forbidden: failed quota: ' +
        'compute: must specify limits.cpu for: app. Free some quota (kubectl debugdead clean --all removes old copies) or ask for a ' +
        'larger quota',
    },
    {
      name: 'the authorizer refusing a resource whose name says quota is RBAC',
      status: 403,
      body: statusBody(
        403,
        'Forbidden',
        'resourcequotas is forbidden: User "dev" cannot list resource "resourcequotas" in API group "" in the namespace "shop"',
      ),
      operation: { verb: 'list', resource: 'resourcequotas', namespace: 'shop' },
      type: KubeApiError,
      message:
        'forbidden: context "prod" may not list resourcequotas in namespace "shop". Ask for RBAC permission to "list" ' +
        '"resourcequotas" in namespace "shop" (a Role and RoleBinding). The API server said: resourcequotas is forbidden: User ' +
        '"dev" cannot list resource "resourcequotas" in API group "" in the namespace "shop"',
    },
    {
      name: 'a LimitRange minimum is the LimitRange, with its words, not RBAC',
      status: 403,
      body: statusBody(
        403,
        'Forbidden',
        'pods "debug-web-1-abcde" is forbidden: minimum cpu usage per Container is 200m, but request is 10m',
      ),
      operation: createPod,
      type: KubeApiError,
      message:
        'a LimitRange in namespace "shop" rejected pod "debug-web-1-abcde": pods "debug-web-1-abcde" is forbidden: minimum cpu usage ' +
        'per Container is 200m, but request is 10m. It is a limit of the namespace, not a missing permission: see it with kubectl ' +
        'describe limitrange -n shop',
    },
    {
      name: 'a LimitRange ratio, several violations at once',
      status: 403,
      body: statusBody(
        403,
        'Forbidden',
        'pods "debug-web-1-abcde" is forbidden: [maximum memory usage per Container is 1Gi, but limit is 2Gi, memory max limit to request ratio per Container is 2, but provided ratio is 4.000000]',
      ),
      operation: createPod,
      type: KubeApiError,
      message:
        'a LimitRange in namespace "shop" rejected pod "debug-web-1-abcde": pods "debug-web-1-abcde" is forbidden: [maximum memory ' +
        'usage per Container is 1Gi, but limit is 2Gi, memory max limit to request ratio per Container is 2, but provided ratio is ' +
        '4.000000]. It is a limit of the namespace, not a missing permission: see it with kubectl describe limitrange -n shop',
    },
    {
      name: 'a ValidatingAdmissionPolicy names the policy and its binding (a validation with reason Forbidden: 403)',
      status: 403,
      body: statusBody(
        403,
        'Forbidden',
        "pods \"debug-web-1-abcde\" is forbidden: ValidatingAdmissionPolicy 'no-debug-copies' with binding 'no-debug-copies-shop' denied request: copies are not allowed here",
      ),
      operation: createPod,
      type: KubeApiError,
      message:
        'the ValidatingAdmissionPolicy "no-debug-copies" (binding "no-debug-copies-shop") in namespace "shop" rejected pod ' +
        '"debug-web-1-abcde": pods "debug-web-1-abcde" is forbidden: ValidatingAdmissionPolicy \'no-debug-copies\' with binding ' +
        "'no-debug-copies-shop' denied request: copies are not allowed here. It is a policy of the cluster, not a missing " +
        'permission: change the pod to meet it, or ask whoever runs the policy',
    },
    {
      name: 'a ValidatingAdmissionPolicy names the policy and its binding (422, its default reason Invalid)',
      status: 422,
      body: statusBody(
        422,
        'Invalid',
        "pods \"debug-web-1-abcde\" is forbidden: ValidatingAdmissionPolicy 'no-debug-copies' with binding 'no-debug-copies-shop' denied request: copies are not allowed here",
      ),
      operation: createPod,
      type: KubeApiError,
      message:
        'the ValidatingAdmissionPolicy "no-debug-copies" (binding "no-debug-copies-shop") in namespace "shop" rejected pod ' +
        '"debug-web-1-abcde": pods "debug-web-1-abcde" is forbidden: ValidatingAdmissionPolicy \'no-debug-copies\' with binding ' +
        "'no-debug-copies-shop' denied request: copies are not allowed here. It is a policy of the cluster, not a missing " +
        'permission: change the pod to meet it, or ask whoever runs the policy',
    },
    {
      name: 'another admission plugin (ServiceAccount) is shown with its words, not as RBAC',
      status: 403,
      body: statusBody(
        403,
        'Forbidden',
        'pods "debug-web-1-abcde" is forbidden: error looking up service account shop/db-admin: serviceaccount "db-admin" not found',
      ),
      operation: createPod,
      type: KubeApiError,
      message:
        'admission control in namespace "shop" rejected pod "debug-web-1-abcde" (403, not a missing permission): pods ' +
        '"debug-web-1-abcde" is forbidden: error looking up service account shop/db-admin: serviceaccount "db-admin" not found',
    },
    {
      name: 'a namespace being deleted (NamespaceLifecycle) is not RBAC either',
      status: 403,
      body: statusBody(
        403,
        'Forbidden',
        'pods "debug-web-1-abcde" is forbidden: unable to create new content in namespace shop because it is being terminated',
      ),
      operation: createPod,
      type: KubeApiError,
      message:
        'admission control in namespace "shop" rejected pod "debug-web-1-abcde" (403, not a missing permission): pods ' +
        '"debug-web-1-abcde" is forbidden: unable to create new content in namespace shop because it is being terminated',
    },
    {
      name: "debugdead's webhook denial is a DeniedError with the denial message",
      status: 400,
      body: statusBody(
        400,
        'BadRequest',
        'admission webhook "pods.debug.dead" denied the request: debug.dead/ttl: "forever" is not a duration',
      ),
      operation: createPod,
      type: DeniedError,
      message: 'the debugdead webhook denied the copy: debug.dead/ttl: "forever" is not a duration',
    },
    {
      name: 'another webhook’s denial names that webhook',
      status: 403,
      body: statusBody(
        403,
        'Forbidden',
        'admission webhook "validate.kyverno.svc-fail" denied the request: require-labels: team label missing',
      ),
      operation: createPod,
      type: KubeApiError,
      message:
        'admission webhook "validate.kyverno.svc-fail" in namespace "shop" rejected pod "debug-web-1-abcde": require-labels: team label ' +
        "missing. It is not debugdead's webhook: ask whoever runs it (or use a namespace it does not cover)",
    },
    {
      name: 'webhook unreachable (failurePolicy Fail)',
      status: 500,
      body: statusBody(
        500,
        'InternalError',
        'Internal error occurred: failed calling webhook "pods.debug.dead": failed to call webhook: Post "https://debugdead.debugdead.svc:443/mutate": dial tcp 10.96.0.12:443: connect: connection refused',
      ),
      operation: createPod,
      type: KubeApiError,
      message:
        'the API server could not call an admission webhook while trying to create pod "debug-web-1-abcde": Internal error occurred: ' +
        'failed calling webhook "pods.debug.dead": failed to call webhook: Post "https://debugdead.debugdead.svc:443/mutate": dial tcp ' +
        "10.96.0.12:443: connect: connection refused. If it is debugdead's, its pods are not answering: kubectl get pods,endpoints -n debugdead",
    },
    {
      name: 'unauthorized',
      status: 401,
      body: statusBody(401, 'Unauthorized', 'Unauthorized'),
      operation: getPod,
      type: KubeApiError,
      message:
        'the API server https://10.0.0.1:6443 rejected the credentials of context "prod" (401 Unauthorized): log in again or refresh ' +
        'your kubeconfig (an expired token or certificate)',
    },
    {
      name: 'already exists',
      status: 409,
      body: statusBody(409, 'AlreadyExists', 'pods "debug-web-1-abcde" already exists'),
      operation: createPod,
      type: KubeApiError,
      message:
        'pod "debug-web-1-abcde" already exists in namespace "shop": pods "debug-web-1-abcde" already exists. Run the command again',
    },
    {
      name: 'delete precondition failed',
      status: 409,
      body: statusBody(409, 'Conflict', 'Precondition failed: UID in precondition: a, UID in object meta: b'),
      operation: { verb: 'delete', resource: 'pods', namespace: 'shop', name: 'debug-web-1-abcde' },
      type: KubeApiError,
      message:
        'pod "debug-web-1-abcde" in namespace "shop" was replaced since it was read (its uid changed): nothing deleted. Run the command again',
    },
    {
      name: 'invalid',
      status: 422,
      body: statusBody(422, 'Invalid', 'Pod "x" is invalid: spec.containers[0].image: Required value'),
      operation: createPod,
      type: KubeApiError,
      message:
        'the API server rejected pod "debug-web-1-abcde" as invalid: Pod "x" is invalid: spec.containers[0].image: Required value',
    },
    {
      name: 'overloaded server suggests a retry',
      status: 429,
      body: statusBody(429, 'TooManyRequests', 'Too many requests, please try again later.'),
      operation: getPod,
      type: KubeApiError,
      message:
        'the API server https://10.0.0.1:6443 failed to get pod "web-1" in namespace "shop" (HTTP 429 TooManyRequests): Too many ' +
        'requests, please try again later.. Try again in a moment',
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const error = translateStatus(
        testCase.status,
        testCase.body,
        JSON.stringify(testCase.body),
        testCase.operation,
        endpoint,
      );
      assert.ok(error instanceof testCase.type, `${error.name} is a ${testCase.type.name}`);
      assert.equal(error.message, testCase.message);
      if (error instanceof KubeApiError) assert.equal(error.statusCode, testCase.status);
    });
  }
  it('a body that is not a Status shows the raw text', () => {
    const error = translateStatus(502, undefined, '<html>Bad Gateway</html>', getPod, endpoint);
    assert.equal(
      error.message,
      'the API server https://10.0.0.1:6443 failed to get pod "web-1" in namespace "shop" (HTTP 502): <html>Bad Gateway</html>. Try again in a moment',
    );
  });
});

describe('translateNetworkError: no HTTP answer', () => {
  function fetchFailure(cause: object): Error {
    return new TypeError('fetch failed', { cause });
  }
  const cases: { name: string; error: unknown; message: string }[] = [
    {
      name: 'connection refused',
      error: fetchFailure(Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:6443'), { code: 'ECONNREFUSED' })),
      message:
        'cannot reach the Kubernetes API server at https://10.0.0.1:6443 (context "prod"): connection refused. Is the cluster running, ' +
        'and is this the right context? (kubectl config current-context; kubectl cluster-info --context prod)',
    },
    {
      name: 'refused on every address (AggregateError)',
      error: fetchFailure(new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })], 'all failed')),
      message:
        'cannot reach the Kubernetes API server at https://10.0.0.1:6443 (context "prod"): connection refused. Is the cluster running, ' +
        'and is this the right context? (kubectl config current-context; kubectl cluster-info --context prod)',
    },
    {
      name: 'unknown host',
      error: fetchFailure(Object.assign(new Error('getaddrinfo ENOTFOUND'), { code: 'ENOTFOUND' })),
      message:
        'cannot reach the Kubernetes API server at https://10.0.0.1:6443 (context "prod"): the host name does not resolve. Is the ' +
        'cluster running, and is this the right context? (kubectl config current-context; kubectl cluster-info --context prod)',
    },
    {
      name: 'untrusted certificate',
      error: fetchFailure(Object.assign(new Error('self-signed certificate'), { code: 'SELF_SIGNED_CERT_IN_CHAIN' })),
      message:
        'cannot trust the Kubernetes API server at https://10.0.0.1:6443 (context "prod"): SELF_SIGNED_CERT_IN_CHAIN. The server\'s ' +
        'certificate does not match the certificate-authority of the kubeconfig (a recreated cluster? refresh the kubeconfig)',
    },
    {
      name: 'timeout',
      error: new DOMException('The operation was aborted due to timeout', 'TimeoutError'),
      message:
        'the Kubernetes API server at https://10.0.0.1:6443 (context "prod") did not answer in time while trying to get pod "web-1". Is the cluster up?',
    },
  ];
  for (const testCase of cases) {
    it(testCase.name, () => {
      const error = translateNetworkError(testCase.error, getPod, endpoint);
      assert.ok(error instanceof KubeApiError);
      assert.equal(error.message, testCase.message);
      assert.equal(error.cause, testCase.error);
    });
  }
  it('networkCode walks nested causes', () => {
    assert.equal(networkCode(fetchFailure({ cause: { code: 'EHOSTUNREACH' } })), 'EHOSTUNREACH');
    assert.equal(networkCode(new Error('plain')), undefined);
  });
});
