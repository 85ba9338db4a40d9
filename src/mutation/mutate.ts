/**
 * The debug mutation (SPEC §3): one pure function from a Pod and config to "untouched", a JSON patch, or a
 * denial. It knows nothing of HTTP. It builds the mutated pod copy-on-write (untouched subtrees keep their
 * references) and derives the patch by diffing it against the exact input (see patch.ts).
 */
import { DEFAULT_TOOLS_NAME, DEFAULT_TOOLS_UID, type MutationConfig } from './config.js';
import { isObject, isStringArray, objectArray, objectOrUndefined, text } from './json.js';
import { keepAliveCommand, toolsCopyCommand } from './keep-alive.js';
import {
  ANNOTATIONS,
  DEFAULT_CONTAINER_ANNOTATION,
  MIRROR_ANNOTATION,
  NOT_SERVING_GATE,
  VOLUME_POLICIES,
} from './names.js';
import { resolveOptions, type MutationOptions } from './options.js';
import { diff } from './patch.js';
import type { JsonObject, JsonValue, MutationResult, MutationSummary, OriginalCommands, Pod } from './types.js';

export interface MutationRequest {
  /** Admission operation; only CREATE mutates. Defaults to CREATE (offline use). */
  operation?: string;
}

/** Labels by which controllers adopt pods (SPEC §3.4, PITFALLS 19). */
export const ADOPTION_LABELS: readonly string[] = [
  'pod-template-hash',
  'controller-revision-hash',
  'statefulset.kubernetes.io/pod-name',
  'apps.kubernetes.io/pod-index',
  'controller-uid',
  'batch.kubernetes.io/controller-uid',
  'batch.kubernetes.io/job-name',
  'job-name',
];

const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const MAX_WARNING = 120;
/** Above this, debug.dead/original would crowd the 256 KiB annotation budget; rerun still has the argv. */
const MAX_ORIGINAL_ANNOTATION = 64 * 1024;

/** Small, explicit requests and limits: quota-safe (PITFALLS 9). */
const TOOLS_RESOURCES: JsonObject = {
  requests: { cpu: '10m', memory: '16Mi' },
  limits: { cpu: '100m', memory: '32Mi' },
};

function untouched(reason: string): MutationResult {
  return { outcome: 'untouched', reason };
}

function denied(message: string): MutationResult {
  return { outcome: 'denied', message };
}

function warning(text: string): string {
  return text.length <= MAX_WARNING ? text : `${text.slice(0, MAX_WARNING - 3)}...`;
}

function nameOf(container: JsonObject): string {
  return typeof container.name === 'string' ? container.name : '';
}

/** First of base, base-2, base-3, … not in use. */
function freeName(base: string, used: ReadonlySet<string>): string {
  if (!used.has(base)) return base;
  for (let index = 2; ; index += 1) {
    const candidate = `${base}-${index}`;
    if (!used.has(candidate)) return candidate;
  }
}

function overlaps(a: string, b: string): boolean {
  const x = a.replace(/\/+$/, '') || '/';
  const y = b.replace(/\/+$/, '') || '/';
  return x === y || x.startsWith(`${y === '/' ? '' : y}/`) || y.startsWith(`${x === '/' ? '' : x}/`);
}

/** First of path, path-2, … that neither contains nor is inside any path the target containers use. */
function freeMountPath(base: string, targets: readonly JsonObject[]): string {
  const taken: string[] = [];
  for (const container of targets) {
    for (const mount of objectArray(container.volumeMounts) ?? []) {
      if (typeof mount.mountPath === 'string') taken.push(mount.mountPath);
    }
    for (const device of objectArray(container.volumeDevices) ?? []) {
      if (typeof device.devicePath === 'string') taken.push(device.devicePath);
    }
  }
  // Only absolute paths below the root can be in the way (anything else the API server rejects anyway);
  // a root-like path would overlap every candidate.
  const inTheWay = taken.filter((path) => path.startsWith('/') && path.replace(/\/+$/, '') !== '');
  const free = (candidate: string) => inTheWay.every((path) => !overlaps(candidate, path));
  if (free(base)) return base;
  for (let index = 2; ; index += 1) {
    const candidate = `${base}-${index}`;
    if (free(candidate)) return candidate;
  }
}

/** Checks the parts of the pod the mutation relies on; returns a message naming the field, or undefined. */
function shapeProblem(spec: JsonObject): string | undefined {
  for (const field of ['containers', 'initContainers', 'ephemeralContainers', 'volumes'] as const) {
    const value = spec[field];
    if (value === undefined && field !== 'containers') continue;
    if (!Array.isArray(value) || !value.every((item) => isObject(item) && typeof item.name === 'string')) {
      return `spec.${field} must be a list of objects with a name`;
    }
  }
  if (!Array.isArray(spec.containers) || spec.containers.length === 0) return 'spec.containers must not be empty';
  for (const field of ['containers', 'initContainers'] as const) {
    for (const [index, container] of (objectArray(spec[field]) ?? []).entries()) {
      for (const key of ['command', 'args'] as const) {
        if (container[key] !== undefined && !isStringArray(container[key])) {
          return `spec.${field}[${index}].${key} must be a list of strings`;
        }
      }
      for (const key of ['volumeMounts', 'volumeDevices', 'ports'] as const) {
        const value = container[key];
        if (value !== undefined && !(Array.isArray(value) && value.every(isObject))) {
          return `spec.${field}[${index}].${key} must be a list of objects`;
        }
      }
    }
  }
  for (const field of ['readinessGates'] as const) {
    if (spec[field] !== undefined && !Array.isArray(spec[field])) return `spec.${field} must be a list`;
  }
  for (const field of ['securityContext', 'nodeSelector', 'os'] as const) {
    if (spec[field] !== undefined && !isObject(spec[field])) return `spec.${field} must be an object`;
  }
  return undefined;
}

function isWindows(spec: JsonObject): boolean {
  const os = objectOrUndefined(spec.os);
  const selector = objectOrUndefined(spec.nodeSelector);
  return os?.name === 'windows' || selector?.['kubernetes.io/os'] === 'windows';
}

function controllerOwner(metadata: JsonObject): JsonObject | undefined {
  return (objectArray(metadata.ownerReferences) ?? []).find((owner) => owner.controller === true);
}

interface Targets {
  containers: string[];
  initContainers: string[];
  warnings: string[];
}

function resolveTargets(
  requested: string[] | undefined,
  annotations: JsonObject,
  containers: readonly JsonObject[],
  initContainers: readonly JsonObject[],
): Targets | string {
  const regular = containers.map(nameOf);
  const init = initContainers.map(nameOf);
  const warnings: string[] = [];
  let wanted: string[];
  if (requested === undefined) {
    const fallback = annotations[DEFAULT_CONTAINER_ANNOTATION];
    if (typeof fallback === 'string' && (regular.includes(fallback) || init.includes(fallback))) {
      wanted = [fallback];
    } else {
      wanted = regular.slice(0, 1);
      if (typeof fallback === 'string') {
        warnings.push(
          warning(`${DEFAULT_CONTAINER_ANNOTATION} names no container ("${fallback}"); debugging ${regular[0] ?? ''}`),
        );
      }
    }
  } else {
    wanted = requested.flatMap((name) => (name === '*' ? regular : [name]));
    const unknown = wanted.filter((name) => !regular.includes(name) && !init.includes(name));
    if (unknown.length > 0) {
      const initList = init.length > 0 ? `; init containers: ${init.join(', ')}` : '';
      return (
        `annotation ${ANNOTATIONS.container}: no container named ${unknown.map((name) => JSON.stringify(name)).join(', ')} ` +
        `in this pod; containers: ${regular.join(', ')}${initList} (or "*" for all containers)`
      );
    }
  }
  const chosen = new Set(wanted);
  return {
    containers: regular.filter((name) => chosen.has(name)),
    initContainers: init.filter((name) => chosen.has(name)),
    warnings,
  };
}

interface VolumePlan {
  volumes: JsonObject[] | undefined;
  replaced: Set<string>;
  readOnly: Set<string>;
  warnings: string[];
}

function firstMountPath(volume: string, containers: readonly JsonObject[]): string | undefined {
  for (const container of containers) {
    for (const mount of objectArray(container.volumeMounts) ?? []) {
      if (mount.name === volume && typeof mount.mountPath === 'string') return mount.mountPath;
    }
  }
  return undefined;
}

/** Volume policy (SPEC §3.4, PITFALLS 18): no stolen PVC, no second writer, no new PVC for the copy. */
function planVolumes(
  volumes: JsonObject[] | undefined,
  options: MutationOptions,
  all: readonly JsonObject[],
): VolumePlan {
  const plan: VolumePlan = { volumes, replaced: new Set(), readOnly: new Set(), warnings: [] };
  if (volumes === undefined) return plan;
  const sees = (name: string) => {
    const path = firstMountPath(name, all);
    return path === undefined ? '' : `: the copy sees an empty ${path}`;
  };
  plan.volumes = volumes.map((volume): JsonObject => {
    const name = nameOf(volume);
    const claim = objectOrUndefined(volume.persistentVolumeClaim);
    if (isObject(volume.ephemeral)) {
      plan.replaced.add(name);
      plan.warnings.push(
        warning(`volume ${name} (generic ephemeral, a new PVC per pod) is now an emptyDir${sees(name)}`),
      );
      return { name, emptyDir: {} };
    }
    if (claim === undefined) return volume;
    const claimName = typeof claim.claimName === 'string' ? claim.claimName : '?';
    if (options.volumePolicy === VOLUME_POLICIES.empty) {
      plan.replaced.add(name);
      plan.warnings.push(warning(`volume ${name} (PVC ${claimName}) is now an emptyDir${sees(name)}`));
      return { name, emptyDir: {} };
    }
    plan.readOnly.add(name);
    plan.warnings.push(
      warning(`volume ${name}: PVC ${claimName} is mounted read-only; a ReadWriteOnce claim only attaches on its node`),
    );
    return claim.readOnly === true ? volume : { ...volume, persistentVolumeClaim: { ...claim, readOnly: true } };
  });
  return plan;
}

interface ContainerContext {
  options: MutationOptions;
  plan: VolumePlan;
  mountPath: string;
  toolsVolume: string;
  clearHostPorts: boolean;
  summary: MutationSummary;
  original: OriginalCommands;
  warnings: string[];
}

function keepAlive(container: JsonObject, context: ContainerContext): JsonObject {
  const name = nameOf(container);
  const next: JsonObject = { ...container };
  const removed = context.options.keepProbes ? [] : PROBES.filter((probe) => Object.hasOwn(next, probe));
  if (removed.length > 0) context.summary.probesRemoved[name] = removed;
  if (!context.options.keepProbes) {
    delete next.livenessProbe;
    delete next.readinessProbe;
    delete next.startupProbe;
  }
  if (Object.hasOwn(next, 'lifecycle')) {
    delete next.lifecycle;
    context.summary.lifecycleRemoved.push(name);
  }
  const command = isStringArray(container.command) ? container.command : null;
  const args = isStringArray(container.args) ? container.args : null;
  context.original[name] = { command, args };
  next.command = keepAliveCommand({ mountPath: context.mountPath, containerName: name, command, args });
  delete next.args;
  next.volumeMounts = [
    ...(objectArray(container.volumeMounts) ?? []),
    { name: context.toolsVolume, mountPath: context.mountPath },
  ];
  return next;
}

/** Changes every container needs: hostPorts, read-only or vanished volumes. */
function adjust(container: JsonObject, context: ContainerContext): JsonObject {
  let next = container;
  const ports = objectArray(container.ports);
  if (context.clearHostPorts && ports?.some((port) => port.hostPort !== undefined)) {
    next = {
      ...next,
      ports: ports.map((port) => {
        if (port.hostPort === undefined) return port;
        const { hostPort: _hostPort, ...rest } = port;
        return rest;
      }),
    };
    context.summary.hostPortsCleared.push(nameOf(container));
  }
  const mounts = objectArray(next.volumeMounts);
  if (mounts?.some((mount) => context.plan.readOnly.has(text(mount.name)) && mount.readOnly !== true)) {
    next = {
      ...next,
      volumeMounts: mounts.map((mount) =>
        context.plan.readOnly.has(text(mount.name)) && mount.readOnly !== true ? { ...mount, readOnly: true } : mount,
      ),
    };
  }
  const devices = objectArray(next.volumeDevices);
  if (devices?.some((device) => context.plan.replaced.has(text(device.name)))) {
    const kept = devices.filter((device) => !context.plan.replaced.has(text(device.name)));
    for (const device of devices.filter((item) => !kept.includes(item))) {
      context.warnings.push(
        warning(
          `container ${nameOf(container)}: raw block device ${text(device.devicePath)} dropped with volume ${text(device.name)}`,
        ),
      );
    }
    next = { ...next, volumeDevices: kept };
    if (kept.length === 0) delete next.volumeDevices;
  }
  return next;
}

function toolsInitContainer(
  name: string,
  image: string,
  volume: string,
  mountPath: string,
  spec: JsonObject,
): JsonObject {
  const podUser = objectOrUndefined(spec.securityContext)?.runAsUser;
  const runAsUser =
    typeof podUser === 'number' && Number.isInteger(podUser) && podUser > 0 ? podUser : DEFAULT_TOOLS_UID;
  return {
    name,
    image,
    imagePullPolicy: 'IfNotPresent',
    command: toolsCopyCommand(mountPath),
    resources: TOOLS_RESOURCES,
    securityContext: {
      runAsUser,
      runAsNonRoot: true,
      allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    terminationMessagePolicy: 'FallbackToLogsOnError',
    volumeMounts: [{ name: volume, mountPath }],
  };
}

function originalAnnotation(original: OriginalCommands, mountPath: string): string {
  const text = JSON.stringify(original);
  if (text.length <= MAX_ORIGINAL_ANNOTATION) return text;
  const omitted = `too large for an annotation; ${mountPath}/rerun has it`;
  return JSON.stringify(
    Object.fromEntries(Object.keys(original).map((name) => [name, { command: null, args: null, omitted }])),
  );
}

export function mutatePod(object: unknown, config: MutationConfig, request: MutationRequest = {}): MutationResult {
  const operation = request.operation ?? 'CREATE';
  if (operation !== 'CREATE') return untouched(`operation ${operation} is not CREATE`);
  if (!isObject(object) || object.kind !== 'Pod') return untouched('not a Pod');
  const metadata = objectOrUndefined(object.metadata) ?? {};
  const annotations = objectOrUndefined(metadata.annotations) ?? {};
  if (annotations[ANNOTATIONS.enable] !== 'true') return untouched(`no ${ANNOTATIONS.enable}: "true" annotation`);
  if (Object.hasOwn(annotations, ANNOTATIONS.mutated)) return untouched('already mutated');
  if (Object.hasOwn(annotations, MIRROR_ANNOTATION)) return untouched('mirror pod');

  const spec = objectOrUndefined(object.spec);
  if (spec === undefined) return denied('spec must be an object: this is not a valid pod');
  const problem = shapeProblem(spec);
  if (problem !== undefined) return denied(`${problem}: this is not a valid pod`);
  if (isWindows(spec)) {
    return denied(
      'this is a Windows pod: debugdead injects a Linux busybox and cannot debug it; ' +
        'use kubectl debug with a Windows image instead',
    );
  }
  const resolved = resolveOptions(annotations, config);
  if (!resolved.ok) return denied(resolved.message);
  const options = resolved.options;
  const owner = controllerOwner(metadata);
  if (owner !== undefined && !options.allowOwned) {
    return denied(
      `this pod is controlled by ${text(owner.kind)}/${text(owner.name)}: mutating it would put every replica to sleep. ` +
        `Copy one pod with "kubectl debugdead POD", or set the annotation ${ANNOTATIONS.allowOwned}: "true" to mutate it anyway`,
    );
  }

  const containers = objectArray(spec.containers) ?? [];
  const initContainers = objectArray(spec.initContainers) ?? [];
  const targets = resolveTargets(options.containers, annotations, containers, initContainers);
  if (typeof targets === 'string') return denied(targets);
  const isTarget = (container: JsonObject) =>
    targets.containers.includes(nameOf(container)) || targets.initContainers.includes(nameOf(container));

  const warnings = [...targets.warnings];
  const allContainers = [...initContainers, ...containers];
  const usedContainerNames = new Set([...allContainers, ...(objectArray(spec.ephemeralContainers) ?? [])].map(nameOf));
  const volumes = objectArray(spec.volumes);
  const toolsContainer = freeName(DEFAULT_TOOLS_NAME, usedContainerNames);
  const toolsVolume = freeName(DEFAULT_TOOLS_NAME, new Set((volumes ?? []).map(nameOf)));
  const mountPath = freeMountPath(options.mountPath, allContainers.filter(isTarget));
  const plan = planVolumes(volumes, options, allContainers);
  warnings.push(...plan.warnings);

  const existingDeadline = spec.activeDeadlineSeconds;
  const activeDeadlineSeconds =
    typeof existingDeadline === 'number' && existingDeadline > 0
      ? Math.min(existingDeadline, options.ttlSeconds)
      : options.ttlSeconds;
  const labels = objectOrUndefined(metadata.labels);
  const labelsRemoved = ADOPTION_LABELS.filter((label) => labels !== undefined && Object.hasOwn(labels, label));

  const summary: MutationSummary = {
    containers: targets.containers,
    initContainers: targets.initContainers,
    probesRemoved: {},
    lifecycleRemoved: [],
    hostPortsCleared: [],
    volumesReplaced: [...plan.replaced],
    volumesReadOnly: [...plan.readOnly],
    labelsRemoved,
    ttlSeconds: options.ttlSeconds,
    activeDeadlineSeconds,
    toolsImage: options.toolsImage,
    mountPath,
    toolsContainer,
    toolsVolume,
  };
  const hostNetwork = spec.hostNetwork === true;
  const context: ContainerContext = {
    options,
    plan,
    mountPath,
    toolsVolume,
    clearHostPorts: !hostNetwork,
    summary,
    original: {},
    warnings,
  };
  const transform = (container: JsonObject) =>
    adjust(isTarget(container) ? keepAlive(container, context) : container, context);

  const nextSpec: JsonObject = { ...spec };
  nextSpec.initContainers = [
    toolsInitContainer(toolsContainer, options.toolsImage, toolsVolume, mountPath, spec),
    ...initContainers.map(transform),
  ];
  nextSpec.containers = containers.map(transform);
  nextSpec.volumes = [...(plan.volumes ?? []), { name: toolsVolume, emptyDir: {} }];
  nextSpec.activeDeadlineSeconds = activeDeadlineSeconds;
  const gates = Array.isArray(spec.readinessGates) ? spec.readinessGates : [];
  if (!gates.some((gate) => isObject(gate) && gate.conditionType === NOT_SERVING_GATE)) {
    nextSpec.readinessGates = [...gates, { conditionType: NOT_SERVING_GATE }];
  }

  for (const name of targets.initContainers) {
    const container = initContainers.find((item) => nameOf(item) === name);
    if (container?.restartPolicy !== 'Always') {
      warnings.push(warning(`init container ${name} is kept alive: the containers after it will not start`));
    }
  }
  if (
    hostNetwork &&
    allContainers.some((container) => objectArray(container.ports)?.some((port) => port.hostPort !== undefined))
  ) {
    warnings.push(
      warning('hostNetwork pod: the copy shares the node network and its ports may clash with the original'),
    );
  }

  const nextMetadata: JsonObject = { ...metadata };
  if (labels !== undefined && labelsRemoved.length > 0) {
    nextMetadata.labels = Object.fromEntries(Object.entries(labels).filter(([key]) => !labelsRemoved.includes(key)));
  }
  nextMetadata.annotations = {
    ...annotations,
    [ANNOTATIONS.mutated]: JSON.stringify(summary),
    [ANNOTATIONS.original]: originalAnnotation(context.original, mountPath),
  };
  const pod: Pod = { ...object, metadata: nextMetadata, spec: nextSpec };
  return { outcome: 'mutated', patch: diff(object, pod), pod, warnings, summary, original: context.original };
}

/** The pod's containers in the order the kubelet starts them, for messages. */
export function containerNames(pod: JsonValue): { containers: string[]; initContainers: string[] } {
  const spec = isObject(pod) ? objectOrUndefined(pod.spec) : undefined;
  return {
    containers: (objectArray(spec?.containers) ?? []).map(nameOf),
    initContainers: (objectArray(spec?.initContainers) ?? []).map(nameOf),
  };
}
