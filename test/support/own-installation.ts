import { randomUUID } from 'node:crypto';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import { newTenant, type TestTenant } from './builders.js';
import { isolatedInstallation, type IsolatedInstallation } from './isolated-stack.js';
import { freePort, isAlive, spawnBaton, waitForHttp, type BatonProcess } from './processes.js';

/** A test's own `baton api` (and worker), filled in by its beforeAll. */
export interface OwnInstallation {
  /** A scratch folder of the test's, removed by afterAll. */
  home: string;
  env: Record<string, string>;
  /** Its own database and Temporal namespace, on the stack's servers. */
  databaseUrl: string;
  namespace: string;
  baseUrl: string;
  tenant: TestTenant;
  /** The API first, then every worker the test spawns (it pushes them here so afterAll stops them). */
  processes: BatonProcess[];
  /** Step runners of killed workers, killed by afterAll if still alive. */
  strayRunners: Set<number>;
  /** Every process's output, for a failed expectation's message. */
  dump(): string;
}

/**
 * A `baton api` (and, with `worker`, one worker) of the test's own, an installation of its own on the
 * stack's PostgreSQL and Temporal (a database and a namespace of its own), so that the test may kill,
 * freeze or drain its processes while other files run: the stack's worker never picks its runs up,
 * and its API, when it leads, never dispatches, fires or sweeps the stack's runs (it once ran another
 * file's event-triggered run on its worker, which has no access to the stack's artifact store).
 */
export function ownInstallation(prefix: string, options: { worker: boolean; env?: Record<string, string> }): OwnInstallation {
  const home = mkdtempSync(join(tmpdir(), `baton-${prefix}-`));
  chmodSync(home, 0o755);
  const stack = {
    home,
    processes: [] as BatonProcess[],
    strayRunners: new Set<number>(),
    dump: () => stack.processes.map((p, i) => `--- process ${i} (pid ${p.child.pid}) ---\n${p.output()}`).join('\n'),
  } as OwnInstallation;

  let installation: IsolatedInstallation | undefined;
  beforeAll(async () => {
    installation = await isolatedInstallation();
    const port = await freePort();
    const secret = `${prefix}-secret-`.repeat(4);
    stack.env = {
      DATABASE_URL: installation.databaseUrl,
      TEMPORAL_ADDRESS: inject('temporalAddress'),
      TEMPORAL_NAMESPACE: installation.namespace,
      TEMPORAL_TASK_QUEUE: `${prefix}-${randomUUID().slice(0, 8)}`,
      PORT: String(port),
      BATON_HOME: join(home, 'baton'),
      LOG_LEVEL: 'warn',
      STEP_MEMORY_MB: '256',
      JWT_SECRET: secret,
      WEBHOOK_SIGNING_KEY: `webhook-${secret}`,
      ...options.env,
    };
    stack.baseUrl = `http://127.0.0.1:${port}`;
    stack.databaseUrl = installation.databaseUrl;
    stack.namespace = installation.namespace;
    stack.processes.push(spawnBaton('api', stack.env));
    if (options.worker) stack.processes.push(spawnBaton('worker', stack.env));
    try {
      await waitForHttp(`${stack.baseUrl}/readyz`, 60_000, () => stack.processes.every((p) => p.child.exitCode === null));
    } catch (error) {
      console.error(stack.dump());
      throw error;
    }
    stack.tenant = await newTenant(stack.baseUrl);
  });

  afterAll(async () => {
    await Promise.all(stack.processes.map((p) => p.stop('SIGTERM')));
    for (const pid of stack.strayRunners) if (isAlive(pid)) process.kill(-pid, 'SIGKILL');
    await installation?.drop();
    rmSync(home, { recursive: true, force: true });
  });
  return stack;
}
