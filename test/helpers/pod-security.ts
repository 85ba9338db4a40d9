/**
 * The Pod Security Standards, `restricted` profile (which includes `baseline`), as the pod-security
 * admission plugin applies them to a pod spec (version "latest"). Returns one message per violation.
 * https://kubernetes.io/docs/concepts/security/pod-security-standards/
 */

interface SecurityContext {
  privileged?: boolean;
  allowPrivilegeEscalation?: boolean;
  runAsNonRoot?: boolean;
  runAsUser?: number;
  procMount?: string;
  capabilities?: { add?: string[]; drop?: string[] };
  seccompProfile?: { type?: string };
  appArmorProfile?: { type?: string };
  seLinuxOptions?: { type?: string; user?: string; role?: string; level?: string };
  windowsOptions?: { hostProcess?: boolean };
}
interface Container {
  name: string;
  ports?: { hostPort?: number }[];
  securityContext?: SecurityContext;
}
export interface PodSpecLike {
  hostNetwork?: boolean;
  hostPID?: boolean;
  hostIPC?: boolean;
  os?: { name?: string };
  securityContext?: SecurityContext & { sysctls?: { name: string }[] };
  containers?: Container[];
  initContainers?: Container[];
  ephemeralContainers?: Container[];
  volumes?: Record<string, unknown>[];
}

const BASELINE_CAPABILITIES = new Set([
  'AUDIT_WRITE',
  'CHOWN',
  'DAC_OVERRIDE',
  'FOWNER',
  'FSETID',
  'KILL',
  'MKNOD',
  'NET_BIND_SERVICE',
  'SETFCAP',
  'SETGID',
  'SETPCAP',
  'SETUID',
  'SYS_CHROOT',
]);
const SAFE_SYSCTLS = new Set([
  'kernel.shm_rmid_forced',
  'net.ipv4.ip_local_port_range',
  'net.ipv4.ip_unprivileged_port_start',
  'net.ipv4.tcp_syncookies',
  'net.ipv4.ping_group_range',
  'net.ipv4.ip_local_reserved_ports',
  'net.ipv4.tcp_keepalive_time',
  'net.ipv4.tcp_fin_timeout',
  'net.ipv4.tcp_keepalive_intvl',
  'net.ipv4.tcp_keepalive_probes',
]);
const SELINUX_TYPES = new Set(['', 'container_t', 'container_init_t', 'container_kvm_t', 'container_engine_t']);
const RESTRICTED_VOLUME_TYPES = new Set([
  'configMap',
  'csi',
  'downwardAPI',
  'emptyDir',
  'ephemeral',
  'image',
  'persistentVolumeClaim',
  'projected',
  'secret',
]);

export function restrictedViolations(spec: PodSpecLike, annotations: Record<string, string> = {}): string[] {
  const violations: string[] = [];
  const pod = spec.securityContext ?? {};
  const containers = [...(spec.initContainers ?? []), ...(spec.containers ?? []), ...(spec.ephemeralContainers ?? [])];
  const windows = spec.os?.name === 'windows';

  // ---- baseline ----
  if (spec.hostNetwork === true) violations.push('hostNetwork is true');
  if (spec.hostPID === true) violations.push('hostPID is true');
  if (spec.hostIPC === true) violations.push('hostIPC is true');
  if (pod.windowsOptions?.hostProcess === true) violations.push('pod windowsOptions.hostProcess is true');
  for (const volume of spec.volumes ?? [])
    if ('hostPath' in volume) violations.push(`volume ${String(volume.name)} is a hostPath`);
  for (const sysctl of pod.sysctls ?? [])
    if (!SAFE_SYSCTLS.has(sysctl.name)) violations.push(`sysctl ${sysctl.name} is not in the safe set`);
  const checkSeLinux = (where: string, options: SecurityContext['seLinuxOptions']): void => {
    if (options === undefined) return;
    if (!SELINUX_TYPES.has(options.type ?? '')) violations.push(`${where} seLinuxOptions.type ${options.type ?? ''}`);
    if (options.user !== undefined && options.user !== '') violations.push(`${where} sets seLinuxOptions.user`);
    if (options.role !== undefined && options.role !== '') violations.push(`${where} sets seLinuxOptions.role`);
  };
  const checkAppArmor = (where: string, type: string | undefined): void => {
    if (type !== undefined && type !== 'RuntimeDefault' && type !== 'Localhost')
      violations.push(`${where} appArmorProfile ${type}`);
  };
  checkSeLinux('pod', pod.seLinuxOptions);
  checkAppArmor('pod', pod.appArmorProfile?.type);
  for (const [key, value] of Object.entries(annotations))
    if (
      key.startsWith('container.apparmor.security.beta.kubernetes.io/') &&
      value !== 'runtime/default' &&
      !value.startsWith('localhost/')
    )
      violations.push(`annotation ${key}: ${value}`);
  if (pod.seccompProfile?.type === 'Unconfined') violations.push('pod seccompProfile is Unconfined');

  // ---- restricted, pod level ----
  for (const volume of spec.volumes ?? []) {
    const types = Object.keys(volume).filter((key) => key !== 'name');
    for (const type of types)
      if (!RESTRICTED_VOLUME_TYPES.has(type)) violations.push(`volume ${String(volume.name)} has type ${type}`);
  }
  if (pod.runAsNonRoot === false) violations.push('pod runAsNonRoot is false');
  if (pod.runAsUser === 0) violations.push('pod runAsUser is 0');
  const podSeccomp = pod.seccompProfile?.type;
  const podSeccompOk = podSeccomp === 'RuntimeDefault' || podSeccomp === 'Localhost';

  for (const container of containers) {
    const where = `container ${container.name}`;
    const context = container.securityContext ?? {};
    // baseline
    if (context.privileged === true) violations.push(`${where} is privileged`);
    if (context.windowsOptions?.hostProcess === true) violations.push(`${where} windowsOptions.hostProcess is true`);
    for (const port of container.ports ?? [])
      if (port.hostPort !== undefined && port.hostPort !== 0)
        violations.push(`${where} uses hostPort ${port.hostPort}`);
    for (const capability of context.capabilities?.add ?? [])
      if (!BASELINE_CAPABILITIES.has(capability)) violations.push(`${where} adds capability ${capability}`);
    if (context.procMount !== undefined && context.procMount !== 'Default')
      violations.push(`${where} procMount ${context.procMount}`);
    checkSeLinux(where, context.seLinuxOptions);
    checkAppArmor(where, context.appArmorProfile?.type);
    if (context.seccompProfile?.type === 'Unconfined') violations.push(`${where} seccompProfile is Unconfined`);
    // restricted
    if (!windows && context.allowPrivilegeEscalation !== false)
      violations.push(`${where} must set allowPrivilegeEscalation: false`);
    if (context.runAsNonRoot === false) violations.push(`${where} runAsNonRoot is false`);
    if (pod.runAsNonRoot !== true && context.runAsNonRoot !== true)
      violations.push(`${where} must set runAsNonRoot: true (or the pod must)`);
    if (context.runAsUser === 0) violations.push(`${where} runAsUser is 0`);
    const seccomp = context.seccompProfile?.type;
    if (!windows && !podSeccompOk && seccomp !== 'RuntimeDefault' && seccomp !== 'Localhost')
      violations.push(`${where} must set seccompProfile RuntimeDefault or Localhost (or the pod must)`);
    if (!windows && !(context.capabilities?.drop ?? []).includes('ALL'))
      violations.push(`${where} must drop ALL capabilities`);
    for (const capability of context.capabilities?.add ?? [])
      if (capability !== 'NET_BIND_SERVICE')
        violations.push(`${where} may add only NET_BIND_SERVICE, not ${capability}`);
  }
  return violations;
}

/** restrictedViolations of a whole pod object (its spec and annotations). */
export function podRestrictedViolations(pod: unknown): string[] {
  const object = pod as { spec?: PodSpecLike; metadata?: { annotations?: Record<string, string> } };
  return restrictedViolations(object.spec ?? {}, object.metadata?.annotations ?? {});
}
