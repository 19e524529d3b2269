import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import {
  api,
  getRun,
  newOneMachine,
  newTenant,
  oneMachinesPerTest,
  startUp,
  TERMINAL,
  waitForEnd,
  type OneMachine,
} from './one-machine.js';

function baton(args: string[], machine: OneMachine): Promise<{ code: number | null; output: string }> {
  const child = spawn(process.execPath, ['bin/baton.js', ...args], {
    env: { ...process.env, ...machine.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve) => child.once('exit', (code) => resolve({ code, output })));
}

describe('baton backup and baton restore (issue 18)', () => {
  const { machines, started } = oneMachinesPerTest();

  it('8: a backup taken during load, restored into a fresh home, has every run acknowledged before the backup began, with its steps', async () => {
    const source = await newOneMachine('backup', inject('temporalCliPath'));
    machines.push(source);
    const up = await startUp(source);
    started.push(up);
    const tenant = await newTenant(source.url, 'backup');

    const acknowledged: string[] = [];
    let loading = true;
    const client = async () => {
      while (loading) {
        const response = await api(source.url, tenant.auth, 'POST', '/v1/pipelines/work/runs', {}).catch(() => undefined);
        if (response?.status === 202) acknowledged.push((response.body as { id: string }).id);
        else await new Promise((r) => setTimeout(r, 100));
      }
    };
    const load = Promise.all(Array.from({ length: 3 }, client));
    while (acknowledged.length < 30) await new Promise((r) => setTimeout(r, 100));

    const before = [...acknowledged];
    // Runs that had ended before the backup began must come back ended, as they were.
    const endedBefore = (await Promise.all(before.map((id) => getRun(tenant, id)))).filter((run) => TERMINAL.includes(run.status));
    const file = join(source.root, 'baton.tar.gz');
    const backup = await baton(['backup', file], source);
    loading = false;
    await load;
    expect(backup.code, backup.output).toBe(0);
    expect(backup.output).toMatch(/^Backed up \d+ row\(s\) of \d+ table\(s\), the Temporal database and the secrets of BATON_HOME to /m);
    expect(acknowledged.length).toBeGreaterThan(before.length);
    expect(await up.stop('SIGTERM')).toBe(0);

    const target = await newOneMachine('restore', inject('temporalCliPath'));
    machines.push(target);
    const restore = await baton(['restore', file], target);
    expect(restore.code, restore.output).toBe(0);
    expect(existsSync(join(target.home, 'temporal.db'))).toBe(true);
    // Only into an empty home.
    const again = await baton(['restore', file], target);
    expect(again.code).toBe(1);
    expect(again.output.trim()).toBe(
      `baton: BATON_HOME ${target.home} is not empty: restore into a new, empty folder (move this one aside first)`,
    );

    const restored = await startUp(target);
    started.push(restored);
    // The session key came back with the data: the token signed before the backup still works.
    const there = { url: target.url, auth: tenant.auth };
    const login = await api(target.url, '', 'POST', '/v1/auth/login', { email: 'backup@example.test', password: 'a long enough password' });
    expect(login.status).toBe(200);
    const runs = await Promise.all(before.map((id) => getRun(there, id)));
    expect(runs.filter((run) => run.httpStatus !== 200).map((run) => run.id)).toEqual([]);
    for (const run of runs)
      expect(
        run.steps.map((step) => step.id),
        run.id,
      ).toEqual(['nap', 'hi']);
    for (const run of endedBefore) expect(runs.find((r) => r.id === run.id)).toMatchObject({ status: run.status, steps: run.steps });

    // The restored installation runs pipelines.
    const fresh = await api(target.url, tenant.auth, 'POST', '/v1/pipelines/work/runs', {});
    expect(fresh.status).toBe(202);
    const [ended] = await waitForEnd(there, [(fresh.body as { id: string }).id], 60_000);
    expect(ended.status).toBe('succeeded');
  });
});
