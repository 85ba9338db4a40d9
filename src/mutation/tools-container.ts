/**
 * The tools init container (SPEC §3.3): copies the static busybox into the tools volume, first of all init
 * containers, as restricted as Pod Security's `restricted` level asks.
 */
import { DEFAULT_TOOLS_UID } from './config.js';
import { objectOrUndefined } from './json.js';
import { toolsCopyCommand } from './keep-alive.js';
import type { JsonObject, JsonValue } from './types.js';

/**
 * For a resource the source container does not set: small and explicit (PITFALLS 9). CPU gets a request and no
 * limit. A CPU limit buys nothing: the fallback applies only when the target sets no CPU after the LimitRange
 * defaults, so no Container LimitRange covers CPU there (min, max or default would have defaulted the target's
 * request) and no CPU quota applies (a quota on cpu makes every container state it, the target too). It can
 * cost, though: runc starts the container inside its cgroup, under its quota. And a larger one could be refused:
 * a Pod LimitRange's max counts an init container's limit on its own (the pod's limit is the larger of its
 * containers' sum and its largest init container).
 */
const FALLBACK: Record<string, { request: string; limit?: string }> = {
  cpu: { request: '10m' },
  memory: { request: '16Mi', limit: '32Mi' },
};
/**
 * Resources taken from the source container. Extended resources (GPUs, hugepages, devices) are not: the
 * tools container needs none, and a device plugin would have to find one for it too.
 */
const COPIED = ['cpu', 'memory', 'ephemeral-storage'] as const;

function quantity(value: JsonValue | undefined): JsonValue | undefined {
  return typeof value === 'string' || typeof value === 'number' ? value : undefined;
}

/**
 * Requests and limits that every LimitRange and ResourceQuota the pod already passes accepts: those of a
 * target container (after the LimitRange defaults the API server applied before the webhook), which passed
 * the same per-container min, max and limit/request ratio. An init container does not add to the pod's
 * effective request beyond its largest container (max(init) vs sum(containers)), and this one runs first,
 * before any native sidecar, so neither the pod's effective request nor any quota grows. A resource the
 * source does not set gets the FALLBACK: a small explicit request, and for memory a limit.
 */
export function toolsResources(source: JsonObject | undefined): JsonObject {
  const resources = objectOrUndefined(source?.resources);
  const sourceRequests = objectOrUndefined(resources?.requests) ?? {};
  const sourceLimits = objectOrUndefined(resources?.limits) ?? {};
  const requests: JsonObject = {};
  const limits: JsonObject = {};
  for (const name of COPIED) {
    const { request, limit } = resourcePair(
      quantity(sourceRequests[name]),
      quantity(sourceLimits[name]),
      FALLBACK[name],
    );
    if (request !== undefined) requests[name] = request;
    if (limit !== undefined) limits[name] = limit;
  }
  const result: JsonObject = {};
  if (Object.keys(requests).length > 0) result.requests = requests;
  if (Object.keys(limits).length > 0) result.limits = limits;
  return result;
}

/** The source's request and limit of one resource when it sets either, else the fallback pair (if any). */
function resourcePair(
  request: JsonValue | undefined,
  limit: JsonValue | undefined,
  fallback: { request: string; limit?: string } | undefined,
): { request: JsonValue | undefined; limit: JsonValue | undefined } {
  if (request !== undefined || limit !== undefined) return { request, limit };
  return { request: fallback?.request, limit: fallback?.limit };
}

export interface ToolsContainerInput {
  name: string;
  image: string;
  volume: string;
  mountPath: string;
  /** The pod's spec (for its runAsUser). */
  spec: JsonObject;
  /** The container whose resources the tools container takes (a target). */
  resourcesFrom: JsonObject | undefined;
}

export function toolsInitContainer(input: ToolsContainerInput): JsonObject {
  const podUser = objectOrUndefined(input.spec.securityContext)?.runAsUser;
  const runAsUser =
    typeof podUser === 'number' && Number.isInteger(podUser) && podUser > 0 ? podUser : DEFAULT_TOOLS_UID;
  return {
    name: input.name,
    image: input.image,
    imagePullPolicy: 'IfNotPresent',
    command: toolsCopyCommand(input.mountPath),
    resources: toolsResources(input.resourcesFrom),
    securityContext: {
      runAsUser,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: [{ name: input.volume, mountPath: input.mountPath }],
  };
}
