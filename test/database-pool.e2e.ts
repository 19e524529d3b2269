import { describe, expect, it } from 'vitest';
import { newPipeline, savePipeline, uniqueName } from './support/builders.js';
import { ownInstallation } from './support/own-installation.js';

// One connection for everything the API does: its leader jobs' locks hold sessions of their own.
const stack = ownInstallation('small-pool', { worker: false, env: { DATABASE_POOL_SIZE: '1', RUN_DISPATCH_INTERVAL: '1s' } });

describe('an API with a database pool of one', () => {
  it('keeps answering while its leader jobs tick (their locks once held the only connection their work waited for)', async () => {
    for (let round = 0; round < 3; round++) {
      // Each round spans ticks of the one-second jobs.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      const name = uniqueName('pool');
      const started = Date.now();
      await savePipeline(stack.tenant, newPipeline(name, { a: { uses: 'core/echo@^1', with: {} } }));
      expect(Date.now() - started).toBeLessThan(10_000);
    }
  });
});
