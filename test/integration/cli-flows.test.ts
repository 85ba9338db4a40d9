/**
 * The CLI's flow scenarios (test/cli/scenarios.ts) against the real control plane: kube-apiserver,
 * kube-controller-manager and the built webhook registered as shipped (test/helpers/real-cluster.ts). The same
 * functions as test/cli/flows.test.ts runs against the fake; what differs is stated by the driver
 * (real-cluster-driver.ts): the requests are not recorded (those assertions run only on the fake), the kubelet
 * is a stand-in written by the test (pod statuses through the status subresource; progress lines are checked
 * as an ordered subsequence, see assertWaitStderr), and the context is the harness kubeconfig's.
 *
 * Every scenario of SCENARIOS runs here; none has to be left out. (Flows only the fake can stage — injected
 * HTTP failures, broken credentials, an unreachable server, --exec through a fake kubectl — are in
 * test/cli/api-flows.test.ts and are not scenarios.)
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import { SCENARIOS } from '../cli/scenarios.js';
import { START_TIMEOUT_MS, apiServerUnavailableReason } from '../helpers/apiserver.js';
import { startRealCluster, type RealCluster } from '../helpers/real-cluster.js';
import { RealClusterDriver } from './real-cluster-driver.js';

const reason = apiServerUnavailableReason();
if (reason !== undefined) console.log(`# skipping the CLI flows against a real API server: ${reason}`);

/** Scenarios that cannot run against a real API server, with the reason. Empty: all of them run. */
const NOT_ON_A_REAL_SERVER: Readonly<Record<string, string>> = {};

void describe('CLI flows against a real kube-apiserver with the webhook', { skip: reason }, () => {
  let cluster: RealCluster | undefined;
  let driver: RealClusterDriver | undefined;
  const real = (): RealClusterDriver => {
    assert.ok(driver, 'the cluster did not start');
    return driver;
  };

  before(
    async () => {
      cluster = await startRealCluster();
      driver = await RealClusterDriver.start(cluster);
    },
    { timeout: START_TIMEOUT_MS + 60_000 },
  );

  after(
    async () => {
      try {
        await driver?.close();
      } finally {
        await cluster?.stop();
      }
      assert.deepEqual(driver?.standInErrors ?? [], [], 'the stand-in kubelet wrote every scripted status');
    },
    { timeout: 120_000 },
  );

  afterEach(() => {
    // A status the API server refused would make a scenario pass or fail for the wrong reason.
    assert.deepEqual(driver?.standInErrors ?? [], [], 'the stand-in kubelet wrote every scripted status');
  });

  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    const skip = NOT_ON_A_REAL_SERVER[name];
    void it(name, { timeout: 90_000, ...(skip === undefined ? {} : { skip }) }, () => scenario(real()));
  }
});
