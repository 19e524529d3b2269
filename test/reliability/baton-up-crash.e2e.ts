import { spawnSync } from 'node:child_process';
import { describe, expect, inject, it } from 'vitest';
import { isAlive } from '../support/processes.js';
import {
  listRuns,
  newOneMachine,
  newTenant,
  serverPids,
  startRunWithKey,
  startUp,
  TERMINAL,
  waitForEnd,
  api,
  oneMachinesPerTest,
  type Tenant,
} from './one-machine.js';

/** Waits until `check` holds, or fails with `what`. */
async function until(what: string, check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`${what}: not after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function runSucceeds(tenant: Tenant, key: string): Promise<void> {
  const id = await startRunWithKey(tenant, key, 60_000);
  const [run] = await waitForEnd(tenant, [id], 60_000);
  expect(run).toMatchObject({
    id,
    status: 'succeeded',
    steps: [
      { id: 'nap', status: 'succeeded' },
      { id: 'hi', status: 'succeeded' },
    ],
  });
}

describe('baton up crashes (issue 18)', () => {
  const { machines, started } = oneMachinesPerTest();

  it('9: SIGKILL during a burst of keyed run creations, then up again on the same home: serving within 60 s, the old servers gone, one run per key, every acknowledged run ends', async () => {
    const machine = await newOneMachine('crash', inject('temporalCliPath'));
    machines.push(machine);
    const first = await startUp(machine);
    started.push(first);
    const tenant = await newTenant(machine.url, 'crash');

    // A second `baton up` on the same home is refused in one line naming the first.
    const second = spawnSync(process.execPath, ['bin/baton.js', 'up'], {
      env: { ...process.env, ...machine.env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(second.status).toBe(1);
    expect(second.stderr.trim()).toBe(`baton: another baton up (pid ${first.child.pid}) is running on BATON_HOME ${machine.home}`);

    const old = serverPids(machine.home);
    expect(old.temporal && isAlive(old.temporal)).toBe(true);
    expect(old.postgres && isAlive(old.postgres)).toBe(true);

    const keys = Array.from({ length: 80 }, (_, i) => `crash-${i}`);
    const acknowledged = new Map<string, string>();
    let next = 0;
    const client = async () => {
      while (next < keys.length) {
        const key = keys[next++];
        const response = await api(machine.url, tenant.auth, 'POST', '/v1/pipelines/work/runs', {}, { 'idempotency-key': key }).catch(
          () => undefined,
        );
        if (response?.status === 202) acknowledged.set(key, (response.body as { id: string }).id);
      }
    };
    const burst = Promise.all(Array.from({ length: 6 }, client));
    await until('20 runs acknowledged', () => acknowledged.size >= 20, 60_000);
    process.kill(first.child.pid!, 'SIGKILL');
    await burst;
    await first.stop();
    expect(acknowledged.size).toBeLessThan(keys.length);

    const restart = Date.now();
    const again = await startUp(machine, 60_000);
    started.push(again);
    expect(Date.now() - restart).toBeLessThan(60_000);
    expect(isAlive(old.temporal!)).toBe(false);
    expect(isAlive(old.postgres!)).toBe(false);
    expect(again.output()).not.toMatch(/address already in use/);

    // The client retries every key, as it must for those it has no answer to.
    const answered = new Map<string, string>();
    for (const key of keys) answered.set(key, await startRunWithKey(tenant, key));
    for (const [key, id] of acknowledged) expect(answered.get(key), key).toBe(id);

    const ids = [...answered.values()];
    const ended = await waitForEnd(tenant, [...acknowledged.values()], 180_000);
    expect(ended.filter((run) => !TERMINAL.includes(run.status)).map((run) => `${run.id} ${run.status}`)).toEqual([]);
    await waitForEnd(tenant, ids, 120_000);
    const runs = await listRuns(tenant);
    // One run per key: as many runs as keys, each key's answer one of them.
    expect(new Set(ids).size).toBe(keys.length);
    expect(runs.map((run) => run.id).sort()).toEqual([...ids].sort());
  });

  it('SIGKILL of the Temporal dev server, then of PostgreSQL, while baton up runs: each is started again and a run started afterwards succeeds', async () => {
    const machine = await newOneMachine('servers', inject('temporalCliPath'));
    machines.push(machine);
    const up = await startUp(machine);
    started.push(up);
    const tenant = await newTenant(machine.url, 'servers');
    await runSucceeds(tenant, 'before');

    const temporal = serverPids(machine.home).temporal!;
    process.kill(temporal, 'SIGKILL');
    await until(
      'a new Temporal dev server',
      () => {
        const now = serverPids(machine.home).temporal;
        return now !== undefined && now !== temporal && isAlive(now);
      },
      60_000,
    );
    await runSucceeds(tenant, 'after-temporal');
    expect(up.output()).toContain('Temporal dev server exited unexpectedly; starting it again in 1000 ms');

    const postgres = serverPids(machine.home).postgres!;
    process.kill(postgres, 'SIGKILL');
    await until(
      'a new PostgreSQL',
      () => {
        const now = serverPids(machine.home).postgres;
        return now !== undefined && now !== postgres && isAlive(now);
      },
      60_000,
    ).catch((error: Error) => Promise.reject(new Error(`${error.message}\n${up.output()}`)));
    await runSucceeds(tenant, 'after-postgres');
    expect(up.output()).toContain('Embedded PostgreSQL exited unexpectedly; starting it again in 1000 ms');
    expect(up.child.exitCode).toBeNull();
    expect(await up.stop('SIGTERM')).toBe(0);
  });
});
