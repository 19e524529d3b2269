import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { baton } from './support/baton-cli.js';
import { freePort } from './support/processes.js';
import { api, newTenant, uniqueName, waitForRun, type TestTenant } from './support/builders.js';
import { asOwner } from './support/plugin-packages.js';

const pipelineYaml = (name: string, message: string, extra = '') => `# kept in Git
apiVersion: baton/v1
kind: Pipeline
name: ${name}
steps:
  greet:
    uses: core/log@^1
    with: { message: "${message}" }
${extra}`;

describe('the baton CLI against the API', () => {
  let tenant: TestTenant;
  let work: string;
  let env: Record<string, string>;
  const cli = (...args: string[]) => baton(args, env);

  beforeAll(async () => {
    tenant = await newTenant();
    work = mkdtempSync(join(tmpdir(), 'baton-cli-'));
    env = { BATON_URL: inject('baseUrl'), BATON_TOKEN: tenant.apiKey, BATON_CONFIG_DIR: join(work, 'config') };
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('applies Schedule documents by name beside their pipeline: created, unchanged when re-applied, edited in place, made anew for another pipeline, pruned', async () => {
    // A tenant of its own: --prune here must not reach the other tests' pipelines.
    const own = await newTenant();
    const ownEnv = { ...env, BATON_TOKEN: own.apiKey };
    const run = (...args: string[]) => baton(args, ownEnv);
    const folder = join(work, 'scheduled');
    mkdirSync(folder, { recursive: true });
    const [hello, other] = [uniqueName('hello'), uniqueName('other')];
    const scheduleYaml = (pipeline: string, cron: string) =>
      `---\napiVersion: baton/v1\nkind: Schedule\nname: nightly\npipeline: ${pipeline}\ncron: "${cron}"\ntimezone: Europe/Berlin\npaused: true\n`;
    writeFileSync(join(folder, 'hello.yaml'), `${pipelineYaml(hello, 'hi')}${scheduleYaml(hello, '0 2 * * *')}`);
    writeFileSync(join(folder, 'other.yaml'), pipelineYaml(other, 'hi'));

    const dry = await run('apply', folder, '--dry-run', '--exit-code');
    expect(dry.code, dry.stderr).toBe(2);
    expect(dry.stdout).toContain(`+ schedule nightly (new, starts ${hello})`);
    expect(dry.stdout).toContain('Plan: 3 to create, 0 to update, 0 unchanged, 0 to delete.');
    const applied = await run('apply', folder);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain('created schedule nightly');
    const [created] = (await own.get('/v1/schedules?name=nightly').expect(200)).body.items;
    expect(created).toMatchObject({ name: 'nightly', pipeline: hello, cron: '0 2 * * *', timezone: 'Europe/Berlin', paused: true });

    const again = await run('apply', folder, '--dry-run', '--exit-code');
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('= schedule nightly (unchanged)');

    writeFileSync(join(folder, 'hello.yaml'), `${pipelineYaml(hello, 'hi')}${scheduleYaml(hello, '0 3 * * *')}`);
    const edited = await run('apply', folder);
    expect(edited.stdout).toContain('~ schedule nightly\n    cron: "0 2 * * *" → "0 3 * * *"');
    const [after] = (await own.get('/v1/schedules?name=nightly').expect(200)).body.items;
    expect(after).toMatchObject({ id: created.id, cron: '0 3 * * *' });

    writeFileSync(join(folder, 'hello.yaml'), `${pipelineYaml(hello, 'hi')}${scheduleYaml(other, '0 3 * * *')}`);
    const moved = await run('apply', folder);
    expect(moved.stdout).toContain('± schedule nightly (made anew: its pipeline changed)');
    const [anew] = (await own.get('/v1/schedules?name=nightly').expect(200)).body.items;
    expect(anew.pipeline).toBe(other);
    expect(anew.id).not.toBe(created.id);

    // A schedule made by hand (no name) is not the folder's: --prune leaves it.
    const byHand = (await own.post('/v1/schedules', { pipeline: other, every: '1h', paused: true }).expect(201)).body;
    writeFileSync(join(folder, 'hello.yaml'), pipelineYaml(hello, 'hi'));
    const pruned = await run('apply', folder, '--prune');
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain('- schedule nightly (delete)');
    expect((await own.get('/v1/schedules?name=nightly').expect(200)).body.items).toEqual([]);
    await own.get(`/v1/schedules/${byHand.id}`).expect(200);

    // Two schedules cannot share a name.
    await own.post('/v1/schedules', { name: 'hourly', pipeline: other, every: '1h', paused: true }).expect(201);
    const taken = await own.post('/v1/schedules', { name: 'hourly', pipeline: other, every: '2h', paused: true }).expect(409);
    expect(taken.body.errors).toEqual([expect.objectContaining({ path: 'name' })]);
    // Nor when they are asked for at once: the unique index decides, and the losers hear 409, not 500.
    const race = await Promise.all(
      Array.from({ length: 4 }, (_, i) => own.post('/v1/schedules', { name: 'daily', pipeline: other, every: `${i + 1}h`, paused: true })),
    );
    expect(race.map((r) => r.status).sort()).toEqual([201, 409, 409, 409]);
  });

  it('applies Trigger and NotificationChannel documents and the schedules and triggers a pipeline declares: by name, edited in place, credentials by secret name only', async () => {
    const own = await newTenant();
    // Channels are an admin's; the folder's key is one.
    const admin = (await asOwner(own).post('/v1/api-keys', { name: 'apply', role: 'admin' }).expect(201)).body.key as string;
    const run = (...args: string[]) => baton(args, { ...env, BATON_TOKEN: admin });
    await asOwner(own).put('/v1/secrets/SLACK_OPS_URL', { value: 'https://hooks.slack.com/services/T0/B0/secret-part' }).expect(201);
    const folder = join(work, 'declared');
    mkdirSync(folder, { recursive: true });
    const [hello, other] = [uniqueName('hello'), uniqueName('other')];
    const helloYaml = (mapping: string, step = 'core/log@^1') => `# kept in Git
apiVersion: baton/v1
kind: Pipeline
name: ${hello}
schedules:
  nightly: { cron: "0 2 * * *", paused: true }
triggers:
  upload:
    type: webhook${mapping}
steps:
  greet:
    uses: ${step}
    with: { message: "hi" }
`;
    const channelYaml = (events: string, credential = 'urlSecret: SLACK_OPS_URL') =>
      `apiVersion: baton/v1\nkind: NotificationChannel\nname: ops\ntype: slack\n${credential}\nevents: [${events}]\npipelines: [${hello}]\n`;
    const chainYaml = `apiVersion: baton/v1\nkind: Trigger\nname: after-hello\ntype: pipeline\npipeline: ${other}\nsource: ${hello}\n`;
    writeFileSync(join(folder, 'hello.yaml'), helloYaml(''));
    writeFileSync(join(folder, 'other.yaml'), `${pipelineYaml(other, 'next')}---\n${chainYaml}`);
    writeFileSync(join(folder, 'channels.yaml'), channelYaml('run.failed'));

    const dry = await run('apply', folder, '--dry-run', '--exit-code');
    expect(dry.code, dry.stderr).toBe(2);
    for (const line of [
      `+ schedule ${hello}-nightly (new, starts ${hello})`,
      `+ trigger ${hello}-upload (new, webhook, starts ${hello})`,
      `+ trigger after-hello (new, pipeline, starts ${other})`,
      '+ channel ops (new, slack, on run.failed)',
      'Plan: 6 to create, 0 to update, 0 unchanged, 0 to delete.',
    ])
      expect(dry.stdout).toContain(line);
    const applied = await run('apply', folder);
    expect(applied.code, applied.stderr).toBe(0);
    const [webhook] = (await own.get(`/v1/triggers?name=${hello}-upload`).expect(200)).body.items;
    expect(webhook).toMatchObject({ type: 'webhook', pipeline: hello, inputs: null });
    expect(applied.stdout).toContain(`created trigger ${hello}-upload: senders POST ${webhook.url}`);
    expect(applied.stdout + applied.stderr).not.toMatch(/whsec|secret-part/);
    expect((await own.get('/v1/triggers?name=after-hello').expect(200)).body.items[0]).toMatchObject({ pipeline: other, source: hello });
    expect((await own.get(`/v1/schedules?name=${hello}-nightly`).expect(200)).body.items[0]).toMatchObject({ cron: '0 2 * * *' });
    const [channel] = (await asOwner(own).get('/v1/notification-channels?name=ops').expect(200)).body.items;
    expect(channel).toMatchObject({ type: 'slack', url: null, urlSecret: 'SLACK_OPS_URL', events: ['run.failed'], pipelines: [hello] });
    // The pipeline is kept without the blocks that declare its schedules and triggers.
    const kept = await own.get(`/v1/pipelines/${hello}`).set('accept', 'application/yaml').expect(200);
    expect(kept.text).toContain('# kept in Git');
    expect(kept.text).not.toMatch(/schedules|triggers|nightly/);

    const again = await run('apply', folder, '--dry-run', '--exit-code');
    expect(again.code, again.stdout).toBe(0);
    expect(again.stdout).toContain('Plan: 0 to create, 0 to update, 6 unchanged, 0 to delete.');

    // Edited in place: the webhook keeps its address (and secret); the channel its id.
    writeFileSync(join(folder, 'hello.yaml'), helloYaml('\n    inputs: "{ \'who\': body.user }"'));
    writeFileSync(join(folder, 'channels.yaml'), channelYaml('run.failed, sla.breached'));
    const edited = await run('apply', folder);
    expect(edited.code, edited.stderr).toBe(0);
    expect(edited.stdout).toContain(`~ trigger ${hello}-upload\n    inputs: null → "{ 'who': body.user }"`);
    expect(edited.stdout).toContain('~ channel ops\n    events: ["run.failed"] → ["run.failed","sla.breached"]');
    const [after] = (await own.get(`/v1/triggers?name=${hello}-upload`).expect(200)).body.items;
    expect(after).toMatchObject({ id: webhook.id, url: webhook.url, inputs: "{ 'who': body.user }" });
    expect((await asOwner(own).get('/v1/notification-channels?name=ops').expect(200)).body.items[0].id).toBe(channel.id);

    // A credential written into the folder is refused before anything is sent; so is a problem in
    // the pipeline, at its own line, though the declaring blocks are not sent.
    writeFileSync(join(folder, 'channels.yaml'), channelYaml('run.failed', 'url: https://hooks.slack.com/services/T0/B0/leak'));
    writeFileSync(join(folder, 'hello.yaml'), helloYaml('', 'core/nope@^1'));
    const refused = await run('apply', folder);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('channels.yaml:1: url: is a credential and does not belong in Git');
    writeFileSync(join(folder, 'channels.yaml'), channelYaml('run.failed, sla.breached'));
    const misspelt = await run('apply', folder);
    expect(misspelt.code).toBe(1);
    expect(misspelt.stderr).toContain('hello.yaml:12: steps.greet.uses:');

    // Dropped from the folder: pruned; the webhook trigger made by hand (no name) stays.
    const byHand = (await own.post('/v1/triggers', { type: 'webhook', pipeline: other }).expect(201)).body;
    writeFileSync(join(folder, 'hello.yaml'), helloYaml(''));
    writeFileSync(join(folder, 'other.yaml'), pipelineYaml(other, 'next'));
    const pruned = await run('apply', folder, '--prune');
    expect(pruned.code, pruned.stderr).toBe(0);
    expect(pruned.stdout).toContain('- trigger after-hello (delete)');
    expect((await own.get('/v1/triggers?name=after-hello').expect(200)).body.items).toEqual([]);
    await own.get(`/v1/triggers/${byHand.id}`).expect(200);
  });

  it('applies a folder: a plan first, dry runs change nothing, re-applying is a no-op, a step change shows its diff, --prune drops only what the folder dropped', async () => {
    const folder = join(work, 'pipelines');
    mkdirSync(join(folder, 'nested'), { recursive: true });
    const [hello, report] = [uniqueName('hello'), uniqueName('report')];
    writeFileSync(join(folder, 'hello.yaml'), pipelineYaml(hello, 'hi'));
    // Two documents in one file, in a subfolder.
    writeFileSync(join(folder, 'nested', 'more.yml'), `${pipelineYaml(report, 'a')}---\n${pipelineYaml(`${report}-b`, 'b')}`);

    const dry = await cli('apply', folder, '--dry-run', '--exit-code');
    expect(dry.code, dry.stderr).toBe(2);
    expect(dry.stdout).toContain(`+ pipeline ${hello} (new)`);
    expect(dry.stdout).toContain('Plan: 3 to create, 0 to update, 0 unchanged, 0 to delete.');
    await tenant.get(`/v1/pipelines/${hello}`).expect(404);

    const applied = await cli('apply', folder);
    expect(applied.code, applied.stderr).toBe(0);
    expect(applied.stdout).toContain(`applied pipeline ${hello} version 1`);
    expect((await tenant.get(`/v1/pipelines/${report}-b`).expect(200)).body.version).toBe(1);

    const again = await cli('apply', folder);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('Plan: 0 to create, 0 to update, 3 unchanged, 0 to delete.');
    expect((await cli('apply', folder, '--dry-run', '--exit-code')).code).toBe(0);
    expect((await tenant.get(`/v1/pipelines/${hello}/versions`).expect(200)).body.items).toHaveLength(1);

    // A schedule on the pipeline and a step change: the plan names both.
    const schedule = (await tenant.post('/v1/schedules', { pipeline: hello, every: '1h', paused: true }).expect(201)).body as {
      id: string;
    };
    writeFileSync(join(folder, 'hello.yaml'), pipelineYaml(hello, 'hello', '  bye:\n    uses: core/log@^1\n    with: { message: bye }\n'));
    const changed = await cli('apply', folder, '--dry-run');
    expect(changed.stdout).toContain(`~ pipeline ${hello} (version 1 → 2)`);
    expect(changed.stdout).toContain('~ step greet\n        with.message: "hi" → "hello"');
    expect(changed.stdout).toContain('+ step bye');
    expect(changed.stdout).toContain(`schedule ${schedule.id} (every 1h) will start the new version`);
    expect((await cli('apply', folder)).stdout).toContain(`applied pipeline ${hello} version 2`);

    // Dropped from the folder: pruned; the pipeline a schedule uses is refused unless asked to cascade.
    rmSync(join(folder, 'nested'), { recursive: true });
    writeFileSync(join(folder, 'hello-only.yaml'), '');
    const pruneDry = await cli('apply', folder, '--prune', '--dry-run');
    expect(pruneDry.stdout).toContain(`- pipeline ${report} (delete)`);
    expect(pruneDry.stdout).toContain('0 to create, 0 to update, 1 unchanged, 2 to delete.');
    expect((await cli('apply', folder, '--prune')).code).toBe(0);
    await tenant.get(`/v1/pipelines/${report}`).expect(404);
    await tenant.get(`/v1/pipelines/${report}-b`).expect(404);
    await tenant.get(`/v1/pipelines/${hello}`).expect(200);

    rmSync(join(folder, 'hello.yaml'));
    const refused = await cli('apply', folder, '--prune');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`schedule ${schedule.id}`);
    await tenant.get(`/v1/pipelines/${hello}`).expect(200);
    expect((await cli('apply', folder, '--prune', '--cascade')).code).toBe(0);
    await tenant.get(`/v1/pipelines/${hello}`).expect(404);
    await tenant.get(`/v1/schedules/${schedule.id}`).expect(404);
  });

  it('reports every problem of the folder as file:line: path: message and applies nothing', async () => {
    const folder = join(work, 'broken');
    mkdirSync(folder, { recursive: true });
    const [good, bad] = [uniqueName('good'), uniqueName('bad')];
    writeFileSync(join(folder, 'a.yaml'), pipelineYaml(good, 'fine'));
    writeFileSync(
      join(folder, 'b.yaml'),
      `${pipelineYaml(`${bad}-x`, 'x')}---\n${pipelineYaml(bad, 'y').replace('core/log@^1', 'core/nope@^1')}`,
    );
    writeFileSync(join(folder, 'c.yaml'), 'kind: Dashboard\nname: x\n');
    const kinds = await cli('apply', folder);
    expect(kinds.code).toBe(1);
    expect(kinds.stderr).toContain('c.yaml:1: kind: must be one of Pipeline, Schedule, Trigger, NotificationChannel (found "Dashboard")');
    rmSync(join(folder, 'c.yaml'));

    const result = await cli('apply', folder);
    expect(result.code).toBe(1);
    // The bad step is on line 7 of the second document, which starts on line 10 of the file.
    expect(result.stderr).toMatch(new RegExp(`b\\.yaml:16: steps\\.greet\\.uses: .+`));
    expect(result.stderr).toContain('error: 1 problem(s): nothing was applied (fix the lines above)');
    expect(result.stderr).not.toContain('    at ');
    await tenant.get(`/v1/pipelines/${good}`).expect(404);
  });

  it('runs a pipeline: --wait --follow prints its logs and exits with its status; retry runs the fixed version from the failed step', async () => {
    const folder = join(work, 'runs');
    mkdirSync(folder, { recursive: true });
    const name = uniqueName('flaky');
    const failing = `${pipelineYaml(name, 'step one ran')}  load:\n    needs: [greet]\n    uses: core/fail@^1\n    with: { message: "boom", retryable: false }\n`;
    writeFileSync(join(folder, 'p.yaml'), failing);
    expect((await cli('apply', folder)).code).toBe(0);

    const failed = await cli('run', name, '--follow');
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/INFO {2}greet: step one ran/);
    expect(failed.stderr).toMatch(/run [0-9a-f-]{36} failed/);
    const runId = /run ([0-9a-f-]{36}) of/.exec(failed.stderr)![1];

    writeFileSync(
      join(folder, 'p.yaml'),
      failing.replace(
        'uses: core/fail@^1\n    with: { message: "boom", retryable: false }',
        'uses: core/log@^1\n    with: { message: fixed }',
      ),
    );
    expect((await cli('apply', folder)).stdout).toContain(`applied pipeline ${name} version 2`);
    const retried = await cli('retry', runId, '--from-failed', '--pipeline-version', 'latest', '--wait');
    expect(retried.code, retried.stderr).toBe(0);
    expect(retried.stderr).toContain(`retries ${runId} on v2`);
    const retryId = /run ([0-9a-f-]{36}) retries/.exec(retried.stderr)![1];
    const run = await waitForRun(tenant, retryId);
    expect(run).toMatchObject({ status: 'succeeded', version: 2 });
    // The unchanged first step was kept, not run again.
    expect((run as unknown as { steps: Array<{ id: string; attempts: unknown[] }> }).steps.find((s) => s.id === 'greet')!.attempts).toEqual(
      [],
    );

    const listed = await cli('get', 'runs', '--pipeline', name, '-o', 'json');
    expect((JSON.parse(listed.stdout) as Array<{ id: string; status: string }>).map((r) => r.status).sort()).toEqual([
      'failed',
      'succeeded',
    ]);
    const table = await cli('get', 'pipelines', '--limit', '100');
    expect(table.stdout).toContain(name);
    const logs = await cli('logs', retryId);
    expect(logs.stdout).toContain('load: fixed');
  });

  it('says what is wrong and how to fix it, without a stack trace', async () => {
    const none = await baton(['get', 'runs'], { BATON_CONFIG_DIR: join(work, 'empty') });
    expect(none).toMatchObject({ code: 1, stdout: '' });
    expect(none.stderr).toBe('error: no Baton API to talk to (set BATON_URL, or run `baton login <url>`)\n');
    const closed = `http://127.0.0.1:${await freePort()}`;
    const away = await baton(['get', 'runs'], { ...env, BATON_URL: closed });
    expect(away.stderr).toBe(
      `error: cannot reach the Baton API at ${closed} (ECONNREFUSED) (is it running? check BATON_URL or \`baton login\`)\n`,
    );
    const missing = await cli('run', 'no-such-pipeline');
    expect(missing.stderr).toMatch(/^error: Pipeline no-such-pipeline was not found \(check the name/);
    const badKey = await baton(['get', 'runs'], { ...env, BATON_TOKEN: 'bk_not-a-key' });
    expect(badKey.stderr).toContain('(sign in with `baton login`');
    for (const result of [none, away, missing, badKey]) expect(result.stderr).not.toContain('    at ');
    expect((await cli('--version')).stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
    expect((await cli('completion', 'bash')).stdout).toContain('"get") words="runs pipelines schedules plugins');
  });

  it('logs in with a password read from standard input and keeps the token in a file only the user can read', async () => {
    const config = join(work, 'login');
    const loggedIn = await baton(['login', inject('baseUrl'), '--email', tenant.email], { BATON_CONFIG_DIR: config }, tenant.password);
    expect(loggedIn.code, loggedIn.stderr).toBe(0);
    const file = join(config, 'credentials.json');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(JSON.parse(readFileSync(file, 'utf8')).profiles.default.url).toBe(inject('baseUrl'));
    expect((await baton(['get', 'pipelines'], { BATON_CONFIG_DIR: config })).code).toBe(0);
    const wrong = await baton(
      ['login', inject('baseUrl'), '--email', tenant.email, '--profile', 'x'],
      { BATON_CONFIG_DIR: config },
      'wrong',
    );
    expect(wrong.code).toBe(1);
    expect(JSON.parse(readFileSync(file, 'utf8')).profiles.x).toBeUndefined();
    expect((await baton(['logout'], { BATON_CONFIG_DIR: config })).code).toBe(0);
    expect((await baton(['get', 'pipelines'], { BATON_CONFIG_DIR: config })).stderr).toContain('no Baton API to talk to');
  });
});

describe('planning and deleting pipelines through the API', () => {
  it("plans within the caller's tenant only, and refuses a delete that would leave a schedule firing into nothing", async () => {
    const [owner, other] = [await newTenant(), await newTenant()];
    const name = uniqueName('shared-name');
    const definition = { apiVersion: 'baton/v1', kind: 'Pipeline', name, steps: { a: { uses: 'core/log@^1', with: { message: 'x' } } } };
    await owner.put(`/v1/pipelines/${name}`, definition).expect(201);
    const schedule = (await owner.post('/v1/schedules', { pipeline: name, every: '1h', paused: true }).expect(201)).body as { id: string };
    const trigger = (await owner.post('/v1/triggers', { type: 'webhook', pipeline: name }).expect(201)).body as { id: string };

    const mine = (await owner.post(`/v1/pipelines/${name}/plan`, definition).expect(200)).body;
    expect(mine).toMatchObject({ action: 'unchanged', currentVersion: 1, steps: [], runsInFlight: [] });
    expect(mine.schedules.map((s: { id: string }) => s.id)).toEqual([schedule.id]);
    expect(mine.triggers.map((t: { id: string }) => t.id)).toEqual([trigger.id]);
    // Another tenant using the same name sees its own world: nothing of the owner's.
    const theirs = (await other.post(`/v1/pipelines/${name}/plan`, definition).expect(200)).body;
    expect(theirs).toMatchObject({ action: 'create', currentVersion: null, schedules: [], triggers: [] });
    await other.delete(`/v1/pipelines/${name}?cascade=true`).expect(404);

    const refused = await owner.delete(`/v1/pipelines/${name}`).expect(409);
    expect(refused.body).toMatchObject({ code: 'pipeline_in_use', schedules: [schedule.id], triggers: [trigger.id] });
    await owner.delete(`/v1/pipelines/${name}?cascade=maybe`).expect(400);
    await owner.get(`/v1/pipelines/${name}`).expect(200);
    await owner.delete(`/v1/pipelines/${name}?cascade=true`).expect(204);
    await owner.get(`/v1/schedules/${schedule.id}`).expect(404);
    await owner.get(`/v1/triggers/${trigger.id}`).expect(404);

    const invalid = await owner
      .post(`/v1/pipelines/${name}/plan`, { ...definition, steps: { a: { uses: 'core/log@^1', retyr: 1 } } })
      .expect(422);
    expect(invalid.body.code).toBe('invalid_definition');
  });
});

describe('release tags', () => {
  it('moves tags to immutable versions (baton apply --env), and a schedule on name@tag runs the version the tag points to when it fires', async () => {
    const tenant = await newTenant();
    const work = mkdtempSync(join(tmpdir(), 'baton-tags-'));
    const env = { BATON_URL: inject('baseUrl'), BATON_TOKEN: tenant.apiKey, BATON_CONFIG_DIR: join(work, 'config') };
    const name = uniqueName('hello');
    const file = join(work, 'hello.yaml');
    try {
      writeFileSync(file, pipelineYaml(name, 'one'));
      const first = await baton(['apply', file, '--env', 'prod'], env);
      expect(first.code, first.stderr).toBe(0);
      expect(first.stdout).toContain(`moved tag prod of ${name} to version 1`);

      const schedule = (await tenant.post('/v1/schedules', { pipeline: `${name}@prod`, every: '1h', paused: true }).expect(201)).body as {
        id: string;
        pipeline: string;
      };
      expect(schedule.pipeline).toBe(`${name}@prod`);
      const fire = async () => {
        const before = new Set(
          ((await tenant.get(`/v1/runs?schedule=${schedule.id}`).expect(200)).body.items as Array<{ id: string }>).map((r) => r.id),
        );
        await tenant.post(`/v1/schedules/${schedule.id}/trigger`, {}).expect(202);
        let started: { id: string; version: number } | undefined;
        for (let i = 0; i < 100 && !started; i++) {
          const items = (await tenant.get(`/v1/runs?schedule=${schedule.id}`).expect(200)).body.items as Array<{
            id: string;
            version: number;
          }>;
          started = items.find((r) => !before.has(r.id));
          if (!started) await new Promise((resolve) => setTimeout(resolve, 200));
        }
        return started!.version;
      };

      // A new version applied without --env: prod stays; the plan said so by not naming the tag.
      writeFileSync(file, pipelineYaml(name, 'two'));
      const staged = await baton(['apply', file, '--env', 'staging'], env);
      expect(staged.stdout).toContain('tag staging: (none) → 2');
      expect(await fire()).toBe(1);

      // Promoting to prod moves only the tag: the pipeline is unchanged, no new version.
      const promote = await baton(['apply', file, '--env', 'prod', '--dry-run', '--exit-code'], env);
      expect(promote.code).toBe(2);
      expect(promote.stdout).toContain(`= pipeline ${name} (unchanged, version 2)\n    tag prod: 1 → 2`);
      expect((await baton(['apply', file, '--env', 'prod'], env)).stdout).toContain(`moved tag prod of ${name} to version 2`);
      expect((await baton(['apply', file, '--env', 'prod', '--dry-run', '--exit-code'], env)).code).toBe(0);
      expect(await fire()).toBe(2);

      const tags = (await tenant.get(`/v1/pipelines/${name}/tags`).expect(200)).body.items as Array<{ tag: string; version: number }>;
      expect(tags.map((t) => [t.tag, t.version])).toEqual([
        ['prod', 2],
        ['staging', 2],
      ]);
      // Who moved which tag: the audit log.
      const audit = (await api().get('/v1/audit-log?limit=100').set('authorization', `Bearer ${tenant.token}`).expect(200)).body
        .items as Array<{
        action: string;
        target: Record<string, string>;
      }>;
      expect(audit.filter((a) => a.action === 'PUT /v1/pipelines/:name/tags/:tag').map((a) => a.target.tag)).toEqual([
        'prod',
        'staging',
        'prod',
      ]);

      // A tag a schedule starts cannot go; one nobody uses can.
      expect((await tenant.delete(`/v1/pipelines/${name}/tags/prod`).expect(409)).body).toMatchObject({
        code: 'tag_in_use',
        schedules: [schedule.id],
      });
      await tenant.delete(`/v1/pipelines/${name}/tags/staging`).expect(204);
      await tenant.delete(`/v1/pipelines/${name}/tags/staging`).expect(404);
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });

  it('refuses bad tags, versions that do not exist, other tenants, and schedules on a tag that is not set', async () => {
    const [owner, other] = [await newTenant(), await newTenant()];
    const name = uniqueName('tagged');
    await owner
      .put(`/v1/pipelines/${name}`, {
        apiVersion: 'baton/v1',
        kind: 'Pipeline',
        name,
        steps: { a: { uses: 'core/log@^1', with: { message: 'x' } } },
      })
      .expect(201);
    expect((await owner.put(`/v1/pipelines/${name}/tags/Prod!`, { version: 1 }).expect(400)).body.errors[0].path).toBe('tag');
    expect((await owner.put(`/v1/pipelines/${name}/tags/latest`, { version: 1 }).expect(400)).body.errors[0].message).toContain('`latest`');
    expect((await owner.put(`/v1/pipelines/${name}/tags/prod`, { version: 7 }).expect(404)).body.code).toBe('version_not_found');
    expect((await owner.put(`/v1/pipelines/${name}/tags/prod`, { version: 'one' }).expect(400)).body.errors[0].path).toBe('version');
    await other.put(`/v1/pipelines/${name}/tags/prod`, { version: 1 }).expect(404);
    await other.get(`/v1/pipelines/${name}/tags`).expect(404);
    const unset = await owner.post('/v1/schedules', { pipeline: `${name}@prod`, every: '1h' }).expect(422);
    expect(unset.body.errors).toContainEqual({ path: 'pipeline', message: `Pipeline ${name} has no tag prod` });
    await owner.post('/v1/schedules', { pipeline: `${name}@Prod`, every: '1h' }).expect(400);
  });
});

describe('a pipeline kept as written', () => {
  it('returns the YAML it was saved from, comments and order kept, with Accept: application/yaml', async () => {
    const tenant = await newTenant();
    const name = uniqueName('written');
    const text = `${pipelineYaml(name, 'hi')}  # the last step\n  zeta:\n    uses: core/log@^1\n    with: { message: z }\n`;
    await api()
      .put(`/v1/pipelines/${name}`)
      .set('authorization', `Bearer ${tenant.apiKey}`)
      .set('content-type', 'application/yaml')
      .send(text)
      .expect(201);
    const asYaml = await tenant.get(`/v1/pipelines/${name}`).set('accept', 'application/yaml').expect(200);
    expect(asYaml.headers['content-type']).toMatch(/^application\/yaml/);
    expect(asYaml.text).toBe(text);
    expect((await tenant.get(`/v1/pipelines/${name}/versions/1`).set('accept', 'application/yaml').expect(200)).text).toBe(text);
    // JSON by default; a version sent as JSON comes back as its definition in YAML.
    expect((await tenant.get(`/v1/pipelines/${name}`).expect(200)).body.version).toBe(1);
    const json = { apiVersion: 'baton/v1', kind: 'Pipeline', name, steps: { only: { uses: 'core/log@^1', with: { message: 'json' } } } };
    await tenant.put(`/v1/pipelines/${name}`, json).expect(201);
    const fromJson = await tenant.get(`/v1/pipelines/${name}`).set('accept', 'application/yaml').expect(200);
    expect(fromJson.text).toContain('only:\n    uses: core/log@^1');
  });
});

describe('a trigger on name@tag', () => {
  it('starts the version the tag points to when it fires, and keeps the tag from being deleted', async () => {
    const tenant = await newTenant();
    const name = uniqueName('hooked');
    const target = uniqueName('after');
    const definition = (pipeline: string, message: string) => ({
      apiVersion: 'baton/v1',
      kind: 'Pipeline',
      name: pipeline,
      steps: { a: { uses: 'core/log@^1', with: { message } } },
    });
    await tenant.put(`/v1/pipelines/${name}`, definition(name, 'source')).expect(201);
    await tenant.put(`/v1/pipelines/${target}`, definition(target, 'one')).expect(201);
    await tenant.put(`/v1/pipelines/${target}`, definition(target, 'two')).expect(201);
    await tenant.put(`/v1/pipelines/${target}/tags/prod`, { version: 1 }).expect(200);
    const trigger = (await tenant.post('/v1/triggers', { type: 'pipeline', pipeline: `${target}@prod`, source: name }).expect(201))
      .body as {
      id: string;
      pipeline: string;
    };
    expect(trigger.pipeline).toBe(`${target}@prod`);
    await tenant.post('/v1/triggers', { type: 'pipeline', pipeline: `${target}@nope`, source: name }).expect(422);

    await waitForRun(tenant, (await tenant.post(`/v1/pipelines/${name}/runs`, {}).expect(202)).body.id);
    let started: Array<{ version: number }> = [];
    for (let i = 0; i < 150 && !started.length; i++) {
      started = (await tenant.get(`/v1/runs?pipeline=${target}&trigger=pipeline`).expect(200)).body.items;
      if (!started.length) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(started.map((r) => r.version)).toEqual([1]);
    const refused = await tenant.delete(`/v1/pipelines/${target}/tags/prod`).expect(409);
    expect(refused.body).toMatchObject({ code: 'tag_in_use', triggers: [trigger.id], schedules: [] });
  });
});
