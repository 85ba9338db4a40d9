/**
 * A semantic pod check written for the tests: the parts of kube-apiserver's pod validation (and of Pod
 * Security) that a mutation can break (PITFALLS 4–8). It returns the problems it finds, so a failing
 * property test says what is wrong.
 */
import type { JsonObject, JsonValue } from '../../src/mutation/types.js';

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const QUALIFIED_NAME =
  /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const MAX_ANNOTATIONS_BYTES = 256 * 1024;

function obj(value: JsonValue | undefined): JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}
function list(value: JsonValue | undefined): JsonObject[] {
  return Array.isArray(value) ? value.map(obj) : [];
}

export function allContainers(spec: JsonObject): { kind: string; container: JsonObject }[] {
  return [
    ...list(spec.initContainers).map((container) => ({ kind: 'initContainers', container })),
    ...list(spec.containers).map((container) => ({ kind: 'containers', container })),
    ...list(spec.ephemeralContainers).map((container) => ({ kind: 'ephemeralContainers', container })),
  ];
}

/** Problems kube-apiserver validation would report for this pod (the subset a mutation can cause). */
export function podProblems(pod: JsonObject): string[] {
  const problems: string[] = [];
  const spec = obj(pod.spec);
  const metadata = obj(pod.metadata);
  const containers = allContainers(spec);
  const names = containers.map(({ container }) => String(container.name));
  for (const name of names) {
    if (names.indexOf(name) !== names.lastIndexOf(name)) problems.push(`container name ${name} is not unique`);
    if (!DNS1123_LABEL.test(name) || name.length > 63) problems.push(`container name ${name} is not a DNS-1123 label`);
  }
  const volumes = list(spec.volumes);
  const volumeNames = volumes.map((volume) => String(volume.name));
  for (const volume of volumes) {
    const name = String(volume.name);
    if (volumeNames.indexOf(name) !== volumeNames.lastIndexOf(name)) problems.push(`volume name ${name} is not unique`);
    if (!DNS1123_LABEL.test(name) || name.length > 63) problems.push(`volume name ${name} is not a DNS-1123 label`);
    const sources = Object.keys(volume).filter((key) => key !== 'name');
    if (sources.length !== 1) problems.push(`volume ${name} has ${sources.length} sources: ${sources.join(', ')}`);
  }
  const blockCapable = new Set(
    volumes
      .filter((volume) => volume.persistentVolumeClaim !== undefined || volume.ephemeral !== undefined)
      .map((v) => String(v.name)),
  );
  for (const { kind, container } of containers) {
    const where = `${kind}/${String(container.name)}`;
    const paths: string[] = [];
    for (const mount of list(container.volumeMounts)) {
      if (!volumeNames.includes(String(mount.name)))
        problems.push(`${where}: mount of unknown volume ${String(mount.name)}`);
      paths.push(String(mount.mountPath));
    }
    for (const device of list(container.volumeDevices)) {
      if (!blockCapable.has(String(device.name)))
        problems.push(`${where}: device from non-PVC volume ${String(device.name)}`);
      paths.push(String(device.devicePath));
    }
    for (const path of paths) {
      if (paths.indexOf(path) !== paths.lastIndexOf(path)) problems.push(`${where}: path ${path} used twice`);
    }
    const isRegularInit = kind === 'initContainers' && container.restartPolicy !== 'Always';
    if (isRegularInit) {
      for (const key of ['livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle']) {
        if (container[key] !== undefined) problems.push(`${where}: init container must not have ${key}`);
      }
    }
    if (spec.hostNetwork === true) {
      for (const port of list(container.ports)) {
        if (port.hostPort !== undefined && port.hostPort !== port.containerPort) {
          problems.push(`${where}: hostNetwork needs hostPort == containerPort`);
        }
      }
    }
    if (
      container.command !== undefined &&
      !(Array.isArray(container.command) && container.command.every((a) => typeof a === 'string'))
    ) {
      problems.push(`${where}: command is not a list of strings`);
    }
  }
  const deadline = spec.activeDeadlineSeconds;
  if (
    deadline !== undefined &&
    (typeof deadline !== 'number' || !Number.isInteger(deadline) || deadline < 1 || deadline > 2_147_483_647)
  ) {
    problems.push(`activeDeadlineSeconds ${String(deadline)} out of range`);
  }
  for (const gate of list(spec.readinessGates)) {
    if (!QUALIFIED_NAME.test(String(gate.conditionType)))
      problems.push(`readiness gate ${String(gate.conditionType)} is not a qualified name`);
  }
  const gates = list(spec.readinessGates).map((gate) => String(gate.conditionType));
  if (new Set(gates).size !== gates.length) problems.push('readiness gates repeat');
  if (spec.ephemeralContainers !== undefined) problems.push('spec.ephemeralContainers cannot be set on create');
  const annotations = obj(metadata.annotations);
  const size = Object.entries(annotations).reduce((sum, [key, value]) => sum + key.length + String(value).length, 0);
  if (size > MAX_ANNOTATIONS_BYTES) problems.push(`annotations are ${size} bytes, above 256 KiB`);
  for (const [key, value] of Object.entries(annotations)) {
    if (typeof value !== 'string') problems.push(`annotation ${key} is not a string`);
  }
  return problems;
}

/** Host access and privilege a pod has: a mutation may never add any of it (PITFALLS 8). */
export function privileges(pod: JsonObject): string[] {
  const spec = obj(pod.spec);
  const found = new Set<string>();
  for (const key of ['hostNetwork', 'hostPID', 'hostIPC']) if (spec[key] === true) found.add(key);
  if (spec.hostUsers === false) found.add('hostUsers=false');
  for (const volume of list(spec.volumes))
    if (volume.hostPath !== undefined) found.add(`hostPath:${String(volume.name)}`);
  for (const { container } of allContainers(spec)) {
    const context = obj(container.securityContext);
    if (context.privileged === true) found.add(`privileged:${String(container.name)}`);
    if (context.allowPrivilegeEscalation !== false) found.add(`escalation:${String(container.name)}`);
    for (const capability of Array.isArray(obj(context.capabilities).add)
      ? (obj(context.capabilities).add as JsonValue[])
      : []) {
      found.add(`cap:${String(capability)}`);
    }
    for (const port of list(container.ports))
      if (port.hostPort !== undefined) found.add(`hostPort:${String(port.hostPort)}`);
  }
  return [...found].filter((item) => !item.startsWith('escalation:'));
}
