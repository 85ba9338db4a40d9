/**
 * Translation of Kubernetes API failures into messages that say what happened and what to do next: not found
 * (which namespace was searched), forbidden (which verb on which resource), admission rejections (Pod Security,
 * quota, webhooks), invalid objects, unreachable or untrusted servers. Pure.
 */
import { DeniedError, KubeApiError } from '../../errors.js';
import { isObject, stringAt } from '../../mutation/json.js';

export type Verb = 'get' | 'list' | 'create' | 'delete';

export interface ApiOperation {
  verb: Verb;
  /** Plural resource: pods, events. */
  resource: string;
  /** API group and version of a resource outside core/v1 (apps/v1 deployments, batch/v1 jobs). */
  group?: { name: string; version: string } | undefined;
  /** Undefined: all namespaces. */
  namespace?: string | undefined;
  name?: string | undefined;
}

export interface ApiEndpoint {
  server: string;
  contextName: string;
}

const SINGULAR: Record<string, string> = {
  pods: 'pod',
  events: 'event',
  namespaces: 'namespace',
  secrets: 'secret',
  nodes: 'node',
};

function where(operation: ApiOperation): string {
  return operation.namespace === undefined
    ? 'in any namespace (cluster-wide)'
    : `in namespace "${operation.namespace}"`;
}

function thing(operation: ApiOperation): string {
  const singular = SINGULAR[operation.resource] ?? operation.resource;
  return operation.name === undefined ? operation.resource : `${singular} "${operation.name}"`;
}

/** The message of a metav1.Status body, or the raw text. */
export function statusMessage(body: unknown, text: string): string {
  const message = stringAt(body, 'message');
  if (message !== undefined && message !== '') return message;
  const trimmed = text.trim();
  return trimmed === '' ? '(no message)' : trimmed.slice(0, 500);
}

const DEBUGDEAD_WEBHOOK = /debug\.?dead/i;

/**
 * The authorizer's refusal, as the API server words it (RBAC or any other authorizer): `User "u" cannot VERB
 * resource "r" …` (or `cannot VERB path "/…"`). Every other 403 comes from admission control (PITFALLS 29).
 */
const AUTHORIZER = /\bUser "[^"]*" cannot [a-z]+ (?:resource|path) "/;
const VALIDATING_POLICY = /ValidatingAdmissionPolicy '([^']+)'(?: with binding '([^']+)')? denied request:\s*(.*)$/s;
const LIMIT_RANGE =
  /\b(?:minimum|maximum) [a-z-]+ usage per (?:Container|Pod)\b|\blimit to request ratio per (?:Container|Pod)\b/;

/**
 * A 403: RBAC only when the authorizer said so; Pod Security, ResourceQuota, LimitRange, a
 * ValidatingAdmissionPolicy and any other admission plugin are shown as what they are, with the API server's
 * words.
 */
function forbidden(
  status: number,
  body: unknown,
  message: string,
  operation: ApiOperation,
  endpoint: ApiEndpoint,
): KubeApiError {
  const rejected = `${where(operation)} rejected ${thing(operation)}: ${message}`;
  // No Status body (a refused websocket upgrade keeps only its code): the authorizer is by far the likeliest.
  if (AUTHORIZER.test(message) || !isObject(body)) {
    const scope =
      operation.namespace === undefined
        ? 'cluster-wide (a ClusterRole and ClusterRoleBinding)'
        : `in namespace "${operation.namespace}" (a Role and RoleBinding)`;
    return new KubeApiError(
      `forbidden: context "${endpoint.contextName}" may not ${operation.verb} ${operation.resource} ${where(operation)}. ` +
        `Ask for RBAC permission to "${operation.verb}" "${operation.resource}" ${scope}. The API server said: ${message}`,
      { statusCode: status },
    );
  }
  if (/\bviolates PodSecurity\b/.test(message)) {
    return new KubeApiError(
      `Pod Security admission ${rejected}. ` +
        "debugdead adds nothing that lowers a pod's level, so the source pod itself does not meet the namespace's " +
        'enforce level; debug it in a namespace whose pod-security.kubernetes.io/enforce level it meets',
      { statusCode: status },
    );
  }
  if (/\bquota\b/i.test(message)) {
    return new KubeApiError(
      `a ResourceQuota ${rejected}. ` +
        'Free some quota (kubectl debugdead clean --all removes old copies) or ask for a larger quota',
      { statusCode: status },
    );
  }
  if (LIMIT_RANGE.test(message)) {
    const namespace = operation.namespace ?? 'NAMESPACE';
    return new KubeApiError(
      `a LimitRange ${rejected}. ` +
        `It is a limit of the namespace, not a missing permission: see it with kubectl describe limitrange -n ${namespace}`,
      { statusCode: status },
    );
  }
  return new KubeApiError(
    `admission control ${where(operation)} rejected ${thing(operation)} (403, not a missing permission): ${message}`,
    { statusCode: status },
  );
}

/** An HTTP error status of the API server → a typed error with a message to act on. */
export function translateStatus(
  status: number,
  body: unknown,
  text: string,
  operation: ApiOperation,
  endpoint: ApiEndpoint,
): Error {
  const message = statusMessage(body, text);
  const admission = webhookRejection(status, message, operation) ?? policyRejection(status, message, operation);
  if (admission !== undefined) return admission;
  switch (status) {
    case 401:
      return new KubeApiError(
        `the API server ${endpoint.server} rejected the credentials of context "${endpoint.contextName}" (401 Unauthorized): ` +
          'log in again or refresh your kubeconfig (an expired token or certificate)',
        { statusCode: status },
      );
    case 403:
      return forbidden(status, body, message, operation, endpoint);
    case 404:
      return notFound(status, body, message, operation, endpoint);
    case 409:
      return conflict(status, message, operation);
    case 422:
      return new KubeApiError(`the API server rejected ${thing(operation)} as invalid: ${message}`, {
        statusCode: status,
      });
    default:
      return new KubeApiError(
        `the API server ${endpoint.server} failed to ${operation.verb} ${thing(operation)} ${where(operation)} ` +
          `(HTTP ${status}${withReason(body)}): ${message}` +
          (status === 429 || status >= 500 ? '. Try again in a moment' : ''),
        { statusCode: status },
      );
  }
}

/** The Status body's reason after a space (` NotFound`), or nothing. */
function withReason(body: unknown): string {
  const reason = stringAt(body, 'reason');
  return reason === undefined ? '' : ` ${reason}`;
}

/** An admission webhook that denied the request (debugdead's own or another), or that could not be called. */
function webhookRejection(status: number, message: string, operation: ApiOperation): Error | undefined {
  const webhook = /admission webhook "([^"]+)" denied the request:?\s*(.*)$/s.exec(message);
  if (webhook) {
    const [, name = '', why = ''] = webhook;
    if (DEBUGDEAD_WEBHOOK.test(name)) return new DeniedError(`the debugdead webhook denied the copy: ${why}`);
    return new KubeApiError(
      `admission webhook "${name}" ${where(operation)} rejected ${thing(operation)}: ${why}. ` +
        "It is not debugdead's webhook: ask whoever runs it (or use a namespace it does not cover)",
      { statusCode: status },
    );
  }
  if (/failed calling webhook/.test(message)) {
    return new KubeApiError(
      `the API server could not call an admission webhook while trying to ${operation.verb} ${thing(operation)}: ${message}. ` +
        "If it is debugdead's, its pods are not answering: kubectl get pods,endpoints -n debugdead",
      { statusCode: status },
    );
  }
  return undefined;
}

/** A ValidatingAdmissionPolicy answers 422 (its default reason, Invalid) or the status its validation names. */
function policyRejection(status: number, message: string, operation: ApiOperation): KubeApiError | undefined {
  const policy = VALIDATING_POLICY.exec(message);
  if (!policy) return undefined;
  const [, name = '', binding] = policy;
  return new KubeApiError(
    `the ValidatingAdmissionPolicy "${name}"${binding === undefined ? '' : ` (binding "${binding}")`} ${where(operation)} rejected ${thing(operation)}: ${message}. ` +
      'It is a policy of the cluster, not a missing permission: change the pod to meet it, or ask whoever runs the policy',
    { statusCode: status },
  );
}

/** A 404: a missing namespace, a missing pod (with how to find the right one), or anything else not found. */
function notFound(
  status: number,
  body: unknown,
  message: string,
  operation: ApiOperation,
  endpoint: ApiEndpoint,
): KubeApiError {
  if (isMissingNamespace(body)) {
    return new KubeApiError(
      `namespace "${operation.namespace ?? ''}" not found: check -n/--namespace (kubectl get namespaces)`,
      {
        statusCode: status,
      },
    );
  }
  if (operation.resource === 'pods' && operation.name !== undefined) {
    return new KubeApiError(
      `pod "${operation.name}" not found ${where(operation)} (context "${endpoint.contextName}"). ` +
        `List the pods with kubectl get pods -n ${operation.namespace ?? 'NAMESPACE'}, use -n for another namespace, ` +
        'or run kubectl debugdead -A with no POD to pick a dead container anywhere',
      { statusCode: status },
    );
  }
  return new KubeApiError(`${thing(operation)} not found ${where(operation)}: ${message}`, { statusCode: status });
}

/** A NotFound Status whose details name the kind `namespaces`: the namespace itself is missing. */
function isMissingNamespace(body: unknown): boolean {
  return (
    stringAt(body, 'reason') === 'NotFound' &&
    isObject(body) &&
    isObject(body.details) &&
    stringAt(body.details, 'kind') === 'namespaces'
  );
}

/** A 409: a delete whose uid precondition failed, or a create whose name is taken. */
function conflict(status: number, message: string, operation: ApiOperation): KubeApiError {
  if (operation.verb === 'delete') {
    return new KubeApiError(
      `${thing(operation)} ${where(operation)} was replaced since it was read (its uid changed): nothing deleted. Run the command again`,
      { statusCode: status },
    );
  }
  return new KubeApiError(`${thing(operation)} already exists ${where(operation)}: ${message}. Run the command again`, {
    statusCode: status,
  });
}

const TLS_CODES = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'CERT_HAS_EXPIRED',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_NOT_YET_VALID',
]);

/** The first error code in a fetch failure's cause chain (undici nests them, AggregateError lists them). */
export function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 6 && current !== undefined && current !== null; depth += 1) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code !== 'UND_ERR' && !code.startsWith('ABORT')) return code;
    const nested = (current as { errors?: unknown }).errors;
    if (Array.isArray(nested) && nested.length > 0) current = nested[0];
    else current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** A request that never got an HTTP answer. */
export function translateNetworkError(error: unknown, operation: ApiOperation, endpoint: ApiEndpoint): KubeApiError {
  const code = networkCode(error);
  const name = (error as { name?: unknown }).name;
  const target = `the Kubernetes API server at ${endpoint.server} (context "${endpoint.contextName}")`;
  if (name === 'TimeoutError') {
    return new KubeApiError(
      `${target} did not answer in time while trying to ${operation.verb} ${thing(operation)}. Is the cluster up?`,
      {
        cause: error,
      },
    );
  }
  if (code !== undefined && TLS_CODES.has(code)) {
    return new KubeApiError(
      `cannot trust ${target}: ${code}. The server's certificate does not match the certificate-authority of the kubeconfig ` +
        '(a recreated cluster? refresh the kubeconfig)',
      { cause: error },
    );
  }
  const why =
    code === 'ECONNREFUSED'
      ? 'connection refused'
      : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
        ? 'the host name does not resolve'
        : code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH'
          ? 'the host is unreachable'
          : (code ?? (error instanceof Error ? error.message : String(error)));
  return new KubeApiError(
    `cannot reach ${target}: ${why}. Is the cluster running, and is this the right context? ` +
      `(kubectl config current-context; kubectl cluster-info --context ${endpoint.contextName})`,
    { cause: error },
  );
}

/**
 * Why an exec upgrade failed, in the API server's terms: an HTTP refusal (ws keeps only its status code), a
 * network failure, or else `fallback` with the error's own message.
 */
export function translateExecFailure(
  error: unknown,
  endpoint: { server: string; contextName: string },
  target: { namespace: string; name: string },
  fallback: (message: string) => string,
): string {
  // ws rejects with an ErrorEvent whose `error` is the Error.
  const cause = (error as { error?: unknown }).error ?? error;
  const message = cause instanceof Error ? cause.message : String((error as { message?: unknown }).message);
  const operation = { verb: 'create', resource: 'pods/exec', namespace: target.namespace, name: target.name } as const;
  const refused = /^Unexpected server response: (\d{3})$/.exec(message);
  if (refused !== null) return translateStatus(Number(refused[1]), undefined, message, operation, endpoint).message;
  if (networkCode(cause) !== undefined) return translateNetworkError(cause, operation, endpoint).message;
  return fallback(message);
}
