/** The flow scenarios against the fake API server (see scenarios.ts for running them on another cluster). */
import { after, before, describe, it } from 'node:test';
import { FakeClusterDriver } from './cluster-driver.js';
import { SCENARIOS } from './scenarios.js';

describe('CLI flows against the fake API server', () => {
  let driver: FakeClusterDriver;
  before(async () => {
    driver = await FakeClusterDriver.start();
  });
  after(async () => {
    await driver.close();
  });
  for (const [name, scenario] of Object.entries(SCENARIOS)) {
    it(name, () => scenario(driver));
  }
});
