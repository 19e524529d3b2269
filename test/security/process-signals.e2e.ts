import { mkdtempSync, chownSync, chmodSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { newPipeline, newTenant, runToEnd, startRun, stepOf, uniqueName, waitForRun } from '../support/builders.js';
import { freePort, spawnBaton, waitForHttp, type BatonProcess } from '../support/processes.js';
import { attempt, publishIntruder } from '../support/intruder.js';
import { isolatedInstallation, type IsolatedInstallation } from '../support/isolated-stack.js';

const NOBODY = { uid: 65534, gid: 65534 };

/** Whether anything listens on 127.0.0.1:9229, where Node's inspector opens on SIGUSR1. */
function inspectorListening(): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(9229, '127.0.0.1', () => {
      socket.destroy();
      resolve(true);
    });
    socket.on('error', () => resolve(false));
  });
}

const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/**
 * Attack 2 of issue 17: a step signals the worker (SIGUSR1 opens Node's inspector: code execution
 * with the worker's credentials) or kills another tenant's step. Each step runs in a process
 * namespace of its own as a uid of its own, so it can name no process but itself.
 */
describe('a step cannot touch another process', () => {
  const { worker, api } = inject('stackPids');
  const started: BatonProcess[] = [];
  const installations: IsolatedInstallation[] = [];
  afterAll(async () => {
    await Promise.all(started.map((p) => p.stop()));
    for (const installation of installations) await installation.drop();
  });

  it("cannot signal the worker, the API or another tenant's step, and the worker never opens an inspector", async () => {
    const attacker = await newTenant();
    const plugin = await publishIntruder(attacker);
    const victim = await newTenant();
    // The victim's step sleeps while the attacker tries every pid there is.
    const victimRun = await startRun(
      victim,
      await (async () => {
        const definition = newPipeline(uniqueName('victim'), { nap: { uses: 'core/sleep@^1', with: { ms: 6_000 } } });
        await victim.put(`/v1/pipelines/${definition.name}`, definition).expect(201);
        return definition.name;
      })(),
    );

    const run = await runToEnd(
      attacker,
      newPipeline(uniqueName('signals'), {
        signal: attempt(plugin, 'signal', { pids: [worker, api], signals: ['SIGUSR1', 'SIGKILL'], sweep: 70_000 }),
      }),
      {},
      120_000,
    );

    const outputs = stepOf(run, 'signal').outputs as { ownPid: number; targeted: Record<string, string>; swept: Record<string, number> };
    expect(stepOf(run, 'signal').status).toBe('succeeded');
    // Alone in its namespace: it is pid 1; the few other ids there are its own threads (pid 1 ignores
    // signals from inside its namespace); every other number names nothing.
    expect(outputs.ownPid).toBe(1);
    expect(Object.values(outputs.targeted)).toEqual(['ESRCH', 'ESRCH', 'ESRCH', 'ESRCH']);
    expect(outputs.swept.ESRCH).toBeGreaterThan(70_000 - 64);
    expect(Object.keys(outputs.swept).filter((result) => result !== 'ESRCH' && result !== 'delivered')).toEqual([]);
    expect((await waitForRun(victim, victimRun, undefined, 60_000)).status).toBe('succeeded');
    expect(alive(worker) && alive(api)).toBe(true);

    // Even a signal that does reach the worker (from its own operator, here) opens no inspector.
    process.kill(worker, 'SIGUSR1');
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(await inspectorListening()).toBe(false);
    expect(alive(worker)).toBe(true);
  });

  it('runs only first-party plugins on a worker that cannot isolate steps, and says so', async () => {
    // A second API and worker, an installation of their own; the worker is not root, so it cannot isolate.
    const installation = await isolatedInstallation();
    installations.push(installation);
    const queue = uniqueName('not-root');
    const home = mkdtempSync(join(tmpdir(), 'baton-not-root-'));
    chmodSync(home, 0o755);
    chownSync(home, NOBODY.uid, NOBODY.gid);
    const port = await freePort();
    const metricsPort = await freePort();
    const env = {
      ...inject('apiEnv'),
      DATABASE_URL: installation.databaseUrl,
      TEMPORAL_NAMESPACE: installation.namespace,
      TEMPORAL_TASK_QUEUE: queue,
      PORT: String(port),
      BATON_HOME: home,
      SANDBOX_ISOLATION: 'auto',
      WORKER_METRICS_PORT: String(metricsPort),
    };
    const apiProcess = spawnBaton('api', env);
    const workerProcess = spawnBaton('worker', env, undefined, undefined, NOBODY);
    started.push(apiProcess, workerProcess);
    const up = () => apiProcess.child.exitCode === null && workerProcess.child.exitCode === null;
    await waitForHttp(`http://127.0.0.1:${port}/readyz`, 60_000, up);
    await waitForHttp(`http://127.0.0.1:${metricsPort}/metrics`, 60_000, up).catch((error: Error) => {
      throw new Error(`${error.message}\n${workerProcess.output()}`);
    });

    const tenant = await newTenant(`http://127.0.0.1:${port}`);
    const plugin = await publishIntruder(tenant);
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('refused'), {
        third_party: attempt(plugin, 'signal', { pids: [], signals: [] }),
        first_party: { uses: 'core/echo@^1', with: { still: 'runs' } },
      }),
      {},
      120_000,
    );

    expect(stepOf(run, 'third_party')).toMatchObject({
      status: 'failed',
      error: { message: expect.stringMatching(/cannot isolate step processes .*only first-party plugins.*SANDBOX_ISOLATION=off/) },
    });
    expect(stepOf(run, 'first_party')).toMatchObject({ status: 'succeeded', outputs: { still: 'runs' } });
    expect(workerProcess.output()).toMatch(/only first-party plugins run/);
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    expect(metrics).toContain('baton_sandbox_isolation{mode="first-party-only"} 1');
    const ready = await (await fetch(`http://127.0.0.1:${metricsPort}/readyz`)).json();
    expect(ready).toMatchObject({
      status: 'ok',
      sandbox: { isolation: 'first-party-only', reason: expect.stringMatching(/not run as root/) },
    });
  });
});
