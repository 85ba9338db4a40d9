/** The restricted-profile check used on the shipped pods must itself catch every rule it claims. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { restrictedViolations, type PodSpecLike } from '../helpers/pod-security.js';

interface Parts {
  spec: PodSpecLike;
  pod: NonNullable<PodSpecLike['securityContext']>;
  container: NonNullable<PodSpecLike['containers']>[number];
  context: NonNullable<NonNullable<PodSpecLike['containers']>[number]['securityContext']>;
  volumes: NonNullable<PodSpecLike['volumes']>;
}

function compliant(): Parts {
  const pod = { runAsNonRoot: true, runAsUser: 65532, seccompProfile: { type: 'RuntimeDefault' } };
  const context = { allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } } as Parts['context'];
  const container: Parts['container'] = { name: 'app', securityContext: context };
  const volumes: Parts['volumes'] = [
    { name: 'tls', secret: { secretName: 'x' } },
    { name: 'tmp', emptyDir: {} },
  ];
  return { spec: { securityContext: pod, containers: [container], volumes }, pod, container, context, volumes };
}

describe('restrictedViolations', () => {
  it('accepts a pod that meets restricted', () => {
    assert.deepEqual(restrictedViolations(compliant().spec), []);
  });

  const cases: [string, (parts: Parts) => void, RegExp][] = [
    ['hostNetwork', ({ spec }) => (spec.hostNetwork = true), /hostNetwork/],
    ['hostPID', ({ spec }) => (spec.hostPID = true), /hostPID/],
    ['hostIPC', ({ spec }) => (spec.hostIPC = true), /hostIPC/],
    ['a hostPath volume', ({ volumes }) => volumes.push({ name: 'h', hostPath: { path: '/' } }), /hostPath/],
    ['a gitRepo volume', ({ volumes }) => volumes.push({ name: 'g', gitRepo: {} }), /type gitRepo/],
    ['an unsafe sysctl', ({ pod }) => (pod.sysctls = [{ name: 'kernel.msgmax' }]), /sysctl/],
    ['privileged', ({ context }) => (context.privileged = true), /privileged/],
    ['a hostPort', ({ container }) => (container.ports = [{ hostPort: 80 }]), /hostPort/],
    [
      'an added capability',
      ({ context }) => (context.capabilities = { drop: ['ALL'], add: ['SYS_PTRACE'] }),
      /SYS_PTRACE/,
    ],
    ['capabilities not dropped', ({ context }) => (context.capabilities = {}), /drop ALL/],
    [
      'privilege escalation allowed',
      ({ context }) => delete context.allowPrivilegeEscalation,
      /allowPrivilegeEscalation/,
    ],
    ['runAsNonRoot missing', ({ pod }) => delete pod.runAsNonRoot, /runAsNonRoot: true/],
    ['runAsUser 0', ({ context }) => (context.runAsUser = 0), /runAsUser is 0/],
    ['no seccomp profile', ({ pod }) => delete pod.seccompProfile, /seccompProfile/],
    [
      'an Unconfined container seccomp',
      ({ context }) => (context.seccompProfile = { type: 'Unconfined' }),
      /Unconfined/,
    ],
    ['procMount Unmasked', ({ context }) => (context.procMount = 'Unmasked'), /procMount/],
    ['a custom SELinux user', ({ context }) => (context.seLinuxOptions = { user: 'root' }), /seLinuxOptions.user/],
    ['AppArmor unconfined', ({ context }) => (context.appArmorProfile = { type: 'Unconfined' }), /appArmorProfile/],
    [
      'an init container that breaks the rules',
      ({ spec }) => (spec.initContainers = [{ name: 'init', securityContext: { privileged: true } }]),
      /container init/,
    ],
  ];
  for (const [name, breakIt, expected] of cases)
    it(`rejects ${name}`, () => {
      const parts = compliant();
      breakIt(parts);
      const violations = restrictedViolations(parts.spec);
      assert.ok(
        violations.some((violation) => expected.test(violation)),
        `${name}: ${JSON.stringify(violations)}`,
      );
    });

  it('rejects an unconfined AppArmor annotation', () => {
    const violations = restrictedViolations(compliant().spec, {
      'container.apparmor.security.beta.kubernetes.io/app': 'unconfined',
    });
    assert.equal(violations.length, 1);
  });
});
