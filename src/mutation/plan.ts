/**
 * The plan (SPEC §3.1–3.4): what to change in an admitted, undenied pod, as data. It decides names, paths,
 * the volume policy, the deadline, the keep-alive of each target and the warnings; apply.ts then only
 * carries the edits out, and patch.ts diffs the result against the input.
 */
import { DEFAULT_TOOLS_NAME } from './config.js';
import { isObject, isStringArray, objectArray, objectOrUndefined } from './json.js';
import { keepAliveCommand, postStartWait } from './keep-alive.js';
import { ANNOTATIONS, NOT_SERVING_GATE } from './names.js';
import type { MutationOptions } from './options.js';
import { nameOf, type Selection, type Subject } from './subject.js';
import { toolsInitContainer } from './tools-container.js';
import { planVolumes, volumeEdit, type VolumePlan } from './volumes.js';
import { runtimeArgv } from './image-command.js';
import type { JsonObject, MutationSummary, OriginalCommands } from './types.js';

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
/** Above this, debug.dead/original would crowd the 256 KiB annotation budget; rerun still has the argv. */
export const MAX_ORIGINAL_ANNOTATION = 64 * 1024;

/** Fields to set (in this order) and to remove on one object. */
export interface FieldEdit {
  set: JsonObject;
  remove: string[];
}

export interface Plan {
  /** Edits per container name (names are unique across init and regular containers). */
  containers: Map<string, FieldEdit>;
  /** Inserted as the first init container. */
  toolsContainer: JsonObject;
  spec: FieldEdit;
  metadata: FieldEdit;
  warnings: string[];
  summary: MutationSummary;
  original: OriginalCommands;
}

/** A subject every denial rule accepted: its options and targets are known. */
export interface ReadySubject extends Subject {
  options: MutationOptions;
  selection: Selection;
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

interface Names {
  toolsContainer: string;
  toolsVolume: string;
  mountPath: string;
}

function chooseNames(subject: ReadySubject, isTarget: (container: JsonObject) => boolean): Names {
  const all = [...subject.initContainers, ...subject.containers];
  const used = new Set([...all, ...(objectArray(subject.spec.ephemeralContainers) ?? [])].map(nameOf));
  return {
    toolsContainer: freeName(DEFAULT_TOOLS_NAME, used),
    toolsVolume: freeName(DEFAULT_TOOLS_NAME, new Set((objectArray(subject.spec.volumes) ?? []).map(nameOf))),
    mountPath: freeMountPath(subject.options.mountPath, all.filter(isTarget)),
  };
}

interface ContainerPlanning {
  subject: ReadySubject;
  names: Names;
  volumes: VolumePlan;
  hostNetwork: boolean;
  summary: MutationSummary;
  original: OriginalCommands;
  warnings: string[];
}

/** The keep-alive of a target (SPEC §3.1–3.2): probes and hooks off, the keep-alive command, the tools mount. */
function keepAliveEdit(container: JsonObject, planning: ContainerPlanning, edit: FieldEdit): void {
  const name = nameOf(container);
  const { options } = planning.subject;
  const removed = options.keepProbes ? [] : PROBES.filter((probe) => Object.hasOwn(container, probe));
  if (removed.length > 0) planning.summary.probesRemoved[name] = removed;
  edit.remove.push(...removed);
  if (Object.hasOwn(container, 'lifecycle')) {
    edit.remove.push('lifecycle');
    planning.summary.lifecycleRemoved.push(name);
  }
  // Running only once the keep-alive has written its files (keep-alive.ts); an init container may have hooks
  // only as a sidecar (restartPolicy Always).
  const isInit = planning.subject.initContainers.includes(container);
  if (!isInit || container.restartPolicy === 'Always') {
    edit.set.lifecycle = postStartWait(planning.names.mountPath, name);
  }
  const command = isStringArray(container.command) ? container.command : null;
  const args = isStringArray(container.args) ? container.args : null;
  const image = options.imageCommands[name];
  const argv = image === undefined ? undefined : runtimeArgv(command, args, image);
  planning.original[name] = { command, args, ...(argv === undefined ? {} : { argv: argv.map((part) => part.value) }) };
  const mountPath = planning.names.mountPath;
  edit.set.command = keepAliveCommand({ mountPath, containerName: name, command, args, image });
  if (Object.hasOwn(container, 'args')) edit.remove.push('args');
  const mounts = (edit.set.volumeMounts as JsonObject[] | undefined) ?? objectArray(container.volumeMounts) ?? [];
  edit.set.volumeMounts = [...mounts, { name: planning.names.toolsVolume, mountPath }];
}

/**
 * Ports (SPEC §3.1, PITFALLS 17, 31): hostPorts are cleared so the copy schedules beside the original. On the
 * host network, defaulting sets hostPort back to containerPort and a DaemonSet holds those ports on every
 * node, so the ports lists go (there they only reserve host ports). That is done on every container, not only
 * the targets, as hostPorts are cleared on every container: one sidecar's port is enough to keep the copy
 * Pending for ever.
 */
function portsEdit(container: JsonObject, planning: ContainerPlanning, edit: FieldEdit): void {
  const ports = objectArray(container.ports);
  if (ports === undefined) return;
  if (planning.hostNetwork) {
    edit.remove.push('ports');
    if (ports.length > 0) planning.summary.hostPortsCleared.push(nameOf(container));
    return;
  }
  if (!ports.some((port) => port.hostPort !== undefined)) return;
  edit.set.ports = ports.map((port) => {
    if (port.hostPort === undefined) return port;
    const { hostPort: _hostPort, ...rest } = port;
    return rest;
  });
  planning.summary.hostPortsCleared.push(nameOf(container));
}

function containerEdit(container: JsonObject, planning: ContainerPlanning, isTarget: boolean): FieldEdit | undefined {
  const edit: FieldEdit = { set: {}, remove: [] };
  volumeEdit(container, planning.volumes, edit, planning.warnings);
  if (isTarget) keepAliveEdit(container, planning, edit);
  portsEdit(container, planning, edit);
  return Object.keys(edit.set).length === 0 && edit.remove.length === 0 ? undefined : edit;
}

function deadline(spec: JsonObject, ttlSeconds: number): number {
  const existing = spec.activeDeadlineSeconds;
  return typeof existing === 'number' && existing > 0 ? Math.min(existing, ttlSeconds) : ttlSeconds;
}

function originalAnnotation(original: OriginalCommands, mountPath: string): string {
  const text = JSON.stringify(original);
  if (text.length <= MAX_ORIGINAL_ANNOTATION) return text;
  const omitted = `too large for an annotation; ${mountPath}/rerun has it`;
  return JSON.stringify(
    Object.fromEntries(Object.keys(original).map((name) => [name, { command: null, args: null, omitted }])),
  );
}

function specEdit(subject: ReadySubject, names: Names, volumes: VolumePlan, activeDeadlineSeconds: number): FieldEdit {
  const edit: FieldEdit = { set: {}, remove: [] };
  edit.set.volumes = [...(volumes.volumes ?? []), { name: names.toolsVolume, emptyDir: {} }];
  edit.set.activeDeadlineSeconds = activeDeadlineSeconds;
  const gates = Array.isArray(subject.spec.readinessGates) ? subject.spec.readinessGates : [];
  if (!gates.some((gate) => isObject(gate) && gate.conditionType === NOT_SERVING_GATE)) {
    edit.set.readinessGates = [...gates, { conditionType: NOT_SERVING_GATE }];
  }
  return edit;
}

function metadataEdit(subject: ReadySubject, labelsRemoved: readonly string[], annotations: JsonObject): FieldEdit {
  const edit: FieldEdit = { set: {}, remove: [] };
  const labels = objectOrUndefined(subject.metadata.labels);
  if (labels !== undefined && labelsRemoved.length > 0) {
    edit.set.labels = Object.fromEntries(Object.entries(labels).filter(([key]) => !labelsRemoved.includes(key)));
  }
  edit.set.annotations = { ...subject.annotations, ...annotations };
  return edit;
}

function planWarnings(subject: ReadySubject, hostNetwork: boolean): string[] {
  const warnings: string[] = [];
  for (const name of subject.selection.initContainers) {
    const container = subject.initContainers.find((item) => nameOf(item) === name);
    if (container?.restartPolicy !== 'Always') {
      warnings.push(`init container ${name} is kept alive: the containers after it will not start`);
    }
  }
  if (hostNetwork) {
    const hadPorts = [...subject.initContainers, ...subject.containers].some(
      (container) => (objectArray(container.ports) ?? []).length > 0,
    );
    warnings.push(
      hadPorts
        ? "hostNetwork pod: ports removed; the copy shares the node's network, so rerun may find a port taken"
        : "hostNetwork pod: the copy shares the node's network, so rerun may find a port taken by the original",
    );
  }
  return warnings;
}

function baseSummary(
  subject: ReadySubject,
  names: Names,
  volumes: VolumePlan,
  labelsRemoved: string[],
): MutationSummary {
  const { options, selection } = subject;
  return {
    containers: selection.containers,
    initContainers: selection.initContainers,
    probesRemoved: {},
    lifecycleRemoved: [],
    hostPortsCleared: [],
    volumesReplaced: [...volumes.replaced],
    volumesReadOnly: [...volumes.readOnly],
    labelsRemoved,
    ttlSeconds: options.ttlSeconds,
    activeDeadlineSeconds: deadline(subject.spec, options.ttlSeconds),
    toolsImage: options.toolsImage,
    mountPath: names.mountPath,
    toolsContainer: names.toolsContainer,
    toolsVolume: names.toolsVolume,
  };
}

export function planMutation(subject: ReadySubject): Plan {
  const targets = new Set([...subject.selection.containers, ...subject.selection.initContainers]);
  const isTarget = (container: JsonObject) => targets.has(nameOf(container));
  const names = chooseNames(subject, isTarget);
  const all = [...subject.initContainers, ...subject.containers];
  const volumes = planVolumes(objectArray(subject.spec.volumes), subject.options.volumePolicy, all);
  const labels = objectOrUndefined(subject.metadata.labels);
  const labelsRemoved = ADOPTION_LABELS.filter((label) => labels !== undefined && Object.hasOwn(labels, label));
  const summary = baseSummary(subject, names, volumes, labelsRemoved);
  const hostNetwork = subject.spec.hostNetwork === true;
  const planning: ContainerPlanning = { subject, names, volumes, hostNetwork, summary, original: {}, warnings: [] };
  const containers = new Map<string, FieldEdit>();
  for (const container of all) {
    const edit = containerEdit(container, planning, isTarget(container));
    if (edit !== undefined) containers.set(nameOf(container), edit);
  }
  const toolsContainer = toolsInitContainer({
    name: names.toolsContainer,
    image: subject.options.toolsImage,
    volume: names.toolsVolume,
    mountPath: names.mountPath,
    spec: subject.spec,
    resourcesFrom: subject.containers.find(isTarget) ?? subject.initContainers.find(isTarget),
  });
  return {
    containers,
    toolsContainer,
    spec: specEdit(subject, names, volumes, summary.activeDeadlineSeconds),
    metadata: metadataEdit(subject, labelsRemoved, {
      [ANNOTATIONS.mutated]: JSON.stringify(summary),
      [ANNOTATIONS.original]: originalAnnotation(planning.original, names.mountPath),
    }),
    warnings: [
      ...subject.selection.warnings,
      ...volumes.warnings,
      ...planning.warnings,
      ...planWarnings(subject, hostNetwork),
    ],
    summary,
    original: planning.original,
  };
}
