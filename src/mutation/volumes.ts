/** The volume policy (SPEC §3.4, PITFALLS 18): no stolen PVC, no second writer, no new PVC for the copy. */
import { isObject, objectArray, objectOrUndefined, text } from './json.js';
import { VOLUME_POLICIES, type VolumePolicy } from './names.js';
import { nameOf } from './subject.js';
import type { JsonObject } from './types.js';

export interface VolumePlan {
  volumes: JsonObject[] | undefined;
  replaced: Set<string>;
  readOnly: Set<string>;
  warnings: string[];
}

/** Per volume name, the first path a container mounts it at (one pass: pods can have many volumes). */
function firstMountPaths(containers: readonly JsonObject[]): Map<string, string> {
  const paths = new Map<string, string>();
  for (const container of containers) {
    for (const mount of objectArray(container.volumeMounts) ?? []) {
      const name = mount.name;
      if (typeof name === 'string' && typeof mount.mountPath === 'string' && !paths.has(name)) {
        paths.set(name, mount.mountPath);
      }
    }
  }
  return paths;
}

export function planVolumes(
  volumes: JsonObject[] | undefined,
  policy: VolumePolicy,
  all: readonly JsonObject[],
): VolumePlan {
  const plan: VolumePlan = { volumes, replaced: new Set(), readOnly: new Set(), warnings: [] };
  if (volumes === undefined) return plan;
  const paths = firstMountPaths(all);
  const sees = (name: string) => {
    const path = paths.get(name);
    return path === undefined ? '' : `: the copy sees an empty ${path}`;
  };
  plan.volumes = volumes.map((volume): JsonObject => {
    const name = nameOf(volume);
    const claim = objectOrUndefined(volume.persistentVolumeClaim);
    if (isObject(volume.ephemeral)) {
      plan.replaced.add(name);
      plan.warnings.push(`volume ${name} (generic ephemeral, a new PVC per pod) is now an emptyDir${sees(name)}`);
      return { name, emptyDir: {} };
    }
    if (claim === undefined) return volume;
    const claimName = typeof claim.claimName === 'string' ? claim.claimName : '?';
    if (policy === VOLUME_POLICIES.empty) {
      plan.replaced.add(name);
      plan.warnings.push(`volume ${name} (PVC ${claimName}) is now an emptyDir${sees(name)}`);
      return { name, emptyDir: {} };
    }
    plan.readOnly.add(name);
    plan.warnings.push(
      `volume ${name}: PVC ${claimName} is mounted read-only; a ReadWriteOnce claim only attaches on its node`,
    );
    return claim.readOnly === true ? volume : { ...volume, persistentVolumeClaim: { ...claim, readOnly: true } };
  });
  return plan;
}

/** A container's mounts of read-only volumes become read-only; raw block devices of replaced volumes go. */
export function volumeEdit(
  container: JsonObject,
  plan: VolumePlan,
  edit: { set: JsonObject; remove: string[] },
  warnings: string[],
): void {
  const mounts = objectArray(container.volumeMounts);
  const writable = (mount: JsonObject) => plan.readOnly.has(text(mount.name)) && mount.readOnly !== true;
  if (mounts?.some(writable)) {
    edit.set.volumeMounts = mounts.map((mount) => (writable(mount) ? { ...mount, readOnly: true } : mount));
  }
  const devices = objectArray(container.volumeDevices);
  if (devices?.some((device) => plan.replaced.has(text(device.name)))) {
    const kept = devices.filter((device) => !plan.replaced.has(text(device.name)));
    for (const device of devices.filter((item) => !kept.includes(item))) {
      warnings.push(
        `container ${nameOf(container)}: raw block device ${text(device.devicePath)} dropped with volume ${text(device.name)}`,
      );
    }
    if (kept.length === 0) edit.remove.push('volumeDevices');
    else edit.set.volumeDevices = kept;
  }
}
