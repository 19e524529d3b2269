import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort, isAlive, spawnBaton, waitForHttp, type BatonProcess } from './support/processes.js';

const descendants = (pid: number): number[] => {
  const children = execFileSync('ps', ['-eo', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s+/).map(Number))
    .filter(([, ppid]) => ppid === pid)
    .map(([child]) => child);
  return children.flatMap((child) => [child, ...descendants(child)]);
};

describe('baton up', () => {
  const home = mkdtempSync(join(tmpdir(), 'baton-up-'));
  chmodSync(home, 0o755);
  let current: BatonProcess | undefined;
  afterAll(async () => {
    await current?.stop('SIGKILL');
    rmSync(home, { recursive: true, force: true });
  });

  async function up(env: Record<string, string>): Promise<{ process: BatonProcess; url: string }> {
    const started = spawnBaton('up', env);
    current = started;
    const url = `http://127.0.0.1:${env.PORT}`;
    try {
      await waitForHttp(`${url}/readyz`, 90_000, () => started.child.exitCode === null);
      for (let i = 0; i < 100 && !started.output().includes('Press Ctrl-C'); i++) await new Promise((r) => setTimeout(r, 100));
    } catch (error) {
      throw new Error(`${(error as Error).message}\n${started.output()}`, { cause: error });
    }
    return { process: started, url };
  }

  it('starts embedded PostgreSQL and Temporal, runs a pipeline, stops every child on SIGTERM and keeps data across a restart', async () => {
    const env = {
      BATON_HOME: join(home, 'baton'),
      PORT: String(await freePort()),
      EMBEDDED_PG_PORT: String(await freePort()),
      TEMPORAL_DEV_PORT: String(await freePort()),
      DATABASE_URL: '',
      TEMPORAL_ADDRESS: '',
      JWT_SECRET: '',
      TEMPORAL_CLI_PATH: inject('temporalCliPath'),
      LOG_LEVEL: 'warn',
      BATON_ADMIN_TOKEN: 'up-admin-token-up-admin-token-up-admin-token',
    };
    const first = await up(env);
    expect(first.process.output()).toContain(`Console:  ${first.url}/`);
    expect(first.process.output()).toContain(`API:      ${first.url}/v1`);
    // The console is there, at the URL the banner prints.
    expect((await request(first.url).get('/').expect(200)).text).toContain('<div id="root">');
    expect(first.process.output()).toContain('Worker:   task queue baton-shared');
    const signup = await request(first.url)
      .post('/v1/signup')
      .send({ tenantName: 'up', email: 'up@example.test', password: 'a long enough password' })
      .expect(201);
    const auth = `Bearer ${signup.body.token}`;
    // The operator reads the kept mail beside the running installation, from its embedded PostgreSQL.
    const mail = spawnSync(process.execPath, ['bin/baton.js', 'mail'], {
      env: { ...process.env, ...env },
      encoding: 'utf8',
      timeout: 60_000,
    });
    expect(mail.stdout).toMatch(/kept {5}up@example\.test {2}Confirm your e-mail address for Baton/);
    await request(first.url)
      .put('/v1/pipelines/hello')
      .set('authorization', auth)
      .send({
        apiVersion: 'baton/v1',
        kind: 'Pipeline',
        name: 'hello',
        steps: { hi: { uses: 'core/echo@^1', with: { greeting: 'hello' } } },
        outputs: { greeting: '${{ steps.hi.outputs.greeting }}' },
      })
      .expect(201);
    const started = await request(first.url).post('/v1/pipelines/hello/runs').set('authorization', auth).send({}).expect(202);
    let run: { status: string; outputs: unknown } = { status: 'queued', outputs: null };
    for (let i = 0; i < 100 && !['succeeded', 'failed'].includes(run.status); i++) {
      await new Promise((r) => setTimeout(r, 200));
      run = (await request(first.url).get(`/v1/runs/${started.body.id}`).set('authorization', auth).expect(200)).body;
    }
    expect(run).toMatchObject({ status: 'succeeded', outputs: { greeting: 'hello' } });
    // API and worker in one process: one metrics page has what both recorded.
    const metrics = (await request(first.url).get('/metrics').set('authorization', `Bearer ${env.BATON_ADMIN_TOKEN}`).expect(200)).text;
    expect(metrics).toContain('baton_runs_started_total{trigger="api"} 1');
    expect(metrics).toContain('baton_step_duration_seconds_count{step_type="core/echo",status="succeeded"} 1');
    expect(existsSync(join(home, 'baton', 'pg', 'PG_VERSION'))).toBe(true);
    expect(existsSync(join(home, 'baton', 'temporal.db'))).toBe(true);

    const children = descendants(first.process.child.pid!);
    expect(children.length).toBeGreaterThanOrEqual(2);
    expect(await first.process.stop('SIGTERM')).toBe(0);
    expect(children.filter(isAlive)).toEqual([]);

    const second = await up(env);
    const login = await request(second.url)
      .post('/v1/auth/login')
      .send({ email: 'up@example.test', password: 'a long enough password' })
      .expect(200);
    const again = await request(second.url)
      .get(`/v1/runs/${started.body.id}`)
      .set('authorization', `Bearer ${login.body.token}`)
      .expect(200);
    expect(again.body).toMatchObject({ status: 'succeeded', pipeline: 'hello' });
    expect(await second.process.stop('SIGINT')).toBe(0);
  });
});
