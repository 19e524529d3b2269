import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  api,
  newPipeline,
  newTenant,
  runToEnd,
  savePipeline,
  startRun,
  stepOf,
  uniqueName,
  until,
  waitForRun,
  type RunView,
  type TestTenant,
} from './support/builders.js';
import { approveEndpoints } from './support/plugin-packages.js';
import { expectSecretNowhere } from './support/secret-leaks.js';

interface LogLine {
  stepId: string;
  level: string;
  message: string;
}

/** One attempt, and the run goes on past a failure: each step is a case of its own. */
const once = (step: Record<string, unknown>) => ({ continueOnError: true, retry: { maxAttempts: 1 }, ...step });

/** Processes of this machine whose command line holds `marker`, zombies aside (the CI's init reaps none). */
function processesWith(marker: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
        const state = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0];
        return cmdline.includes(marker) && state !== 'Z';
      } catch {
        return false;
      }
    })
    .map(Number);
}

/**
 * The script plugin on the whole stack, whose worker isolates steps (SANDBOX_ISOLATION=strict, as
 * root): the tenant's shell and Python run as the step process's children, in its uid, namespaces
 * and limits, with the network only through the step's proxy. Loopback services (the test's own
 * HTTP server) are reachable through the broker because the stack allows 127.0.0.1/32.
 */
describe('script steps', () => {
  let tenant: TestTenant;
  let server: Server;
  let port: number;
  const received: Array<{ method: string; url: string; headers: IncomingHttpHeaders }> = [];
  const token = `tok-${randomUUID()}`;
  const logsOf = async (run: RunView): Promise<LogLine[]> =>
    (await tenant.get(`/v1/runs/${run.id}/logs?limit=1000`).expect(200)).body.items;

  beforeAll(async () => {
    tenant = await newTenant();
    await api().put('/v1/secrets/API_TOKEN').set('authorization', `Bearer ${tenant.token}`).send({ value: token }).expect(201);
    server = createServer((request, response) => {
      received.push({ method: request.method!, url: request.url!, headers: request.headers });
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ path: request.url }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise((resolve) => server.close(resolve)));

  it('runs shell and Python: inputs on stdin and in $BATON_INPUTS, outputs from $BATON_OUTPUTS, output lines in the run log', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('scripts'), {
        sh: {
          uses: 'script/shell@^1',
          with: {
            inputs: { n: 21, word: 'hé' },
            script: [
              'set -eu',
              'stdin=$(cat)',
              'echo "stdin: $stdin"',
              'echo "a warning" >&2',
              `n=$(sed -n 's/.*"n":\\([0-9]*\\).*/\\1/p' "$BATON_INPUTS")`,
              `printf '{"double": %d, "stdin": %s, "cwd": "%s", "home": "%s"}' $((n * 2)) "$stdin" "$PWD" "$HOME" > "$BATON_OUTPUTS"`,
            ].join('\n'),
          },
        },
        py: {
          uses: 'script/python@^1',
          needs: ['sh'],
          with: {
            inputs: { double: '${{ steps.sh.outputs.outputs.double }}' },
            script: [
              'import json, os, sys',
              'inputs = json.load(sys.stdin)',
              "assert json.load(open(os.environ['BATON_INPUTS'])) == inputs",
              "for i in range(3): print(f'line {i}')",
              "print('careful', file=sys.stderr)",
              'out = {"answer": inputs["double"], "isolated": sys.flags.isolated, "env": sorted(os.environ), "uid": os.getuid()}',
              "json.dump(out, open(os.environ['BATON_OUTPUTS'], 'w'))",
            ].join('\n'),
          },
        },
      }),
    );

    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const sh = stepOf(run, 'sh').outputs as { exitCode: number; outputs: Record<string, unknown>; durationMs: number };
    expect(sh).toMatchObject({ exitCode: 0, outputs: { double: 42, stdin: { n: 21, word: 'hé' } }, durationMs: expect.any(Number) });
    // The scratch folder is its working directory and HOME.
    expect(sh.outputs.cwd).toBe(sh.outputs.home);
    const py = stepOf(run, 'py').outputs as { outputs: { answer: number; isolated: number; env: string[]; uid: number } };
    expect(py.outputs).toMatchObject({ answer: 42, isolated: 1 });
    // Nothing of the worker's environment: only what the step sets (and, from Node 22 on, the step
    // process's own permission flags in NODE_OPTIONS, which Node hands every child it starts).
    expect(py.outputs.env.filter((name) => !/^(BATON_[A-Z_]+|HTTPS?_PROXY|https?_proxy|NODE_OPTIONS)$/.test(name))).toEqual([
      'HOME',
      'LANG',
      'PATH',
      'TMPDIR',
    ]);
    expect(py.outputs.uid).toBeGreaterThanOrEqual(200000);
    const logs = await logsOf(run);
    expect(logs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ stepId: 'sh', level: 'info', message: 'stdin: {"n":21,"word":"hé"}' }),
        expect.objectContaining({ stepId: 'sh', level: 'warn', message: 'a warning' }),
        expect.objectContaining({ stepId: 'py', level: 'info', message: 'line 2' }),
        expect.objectContaining({ stepId: 'py', level: 'warn', message: 'careful' }),
      ]),
    );
  });

  it("fails on an exit code with the end of stderr, on outputs that are no JSON, past the script's timeout and the step's; 75 is retried", async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('script-failures'), {
        exit: once({ uses: 'script/shell@^1', with: { script: 'echo first >&2; echo "boom: disk on fire" >&2; exit 3' } }),
        json: once({ uses: 'script/python@^1', with: { script: 'import os\nopen(os.environ["BATON_OUTPUTS"], "w").write(\'{"a": \')' } }),
        tempfail: {
          uses: 'script/shell@^1',
          continueOnError: true,
          retry: { maxAttempts: 2, initialInterval: '100ms' },
          with: { script: 'echo "try later" >&2; exit 75' },
        },
        own_timeout: once({ uses: 'script/shell@^1', with: { script: 'sleep 30', timeoutSeconds: 1 } }),
        step_timeout: once({ uses: 'script/shell@^1', timeout: '3s', with: { script: 'sleep 30' } }),
      }),
      {},
      60_000,
    );

    expect(stepOf(run, 'exit')).toMatchObject({
      status: 'failed',
      attempt: 1,
      error: {
        stepCode: 'script_exit_3',
        message: expect.stringMatching(/exited with code 3; the end of its stderr:\nfirst\nboom: disk on fire$/),
      },
    });
    expect(stepOf(run, 'json')).toMatchObject({
      status: 'failed',
      error: { stepCode: 'outputs_invalid', message: expect.stringContaining('not valid JSON') },
    });
    expect(stepOf(run, 'tempfail')).toMatchObject({ status: 'failed', attempt: 2, error: { stepCode: 'script_tempfail' } });
    expect(stepOf(run, 'own_timeout')).toMatchObject({ status: 'failed', error: { stepCode: 'script_timeout' } });
    expect(stepOf(run, 'step_timeout').status).toBe('timed_out');
  });

  it('cancels mid-script: the run ends cancelled within seconds and the script is gone', async () => {
    const marker = `60.${Date.now() % 100_000}`;
    const name = uniqueName('script-cancel');
    await savePipeline(
      tenant,
      newPipeline(name, { nap: { uses: 'script/shell@^1', with: { script: `echo started; sleep ${marker}; echo never` } } }),
    );
    const id = await startRun(tenant, name);
    // The line is in the run's log while the script still runs: output is streamed, not kept to the end.
    await until(
      async () =>
        ((await tenant.get(`/v1/runs/${id}/logs?step=nap`).expect(200)).body.items as LogLine[]).some((line) => line.message === 'started'),
      30_000,
    );
    expect(stepOf((await tenant.get(`/v1/runs/${id}`).expect(200)).body as RunView, 'nap').status).toBe('running');
    const sleeping = processesWith(`sleep\0${marker}`);
    expect(sleeping).toHaveLength(1);

    const cancelledAt = Date.now();
    await tenant.post(`/v1/runs/${id}/cancel`).expect(202);
    const run = await waitForRun(tenant, id, undefined, 20_000);
    expect(run.status).toBe('cancelled');
    expect(stepOf(run, 'nap').status).toBe('cancelled');
    expect(Date.now() - cancelledAt).toBeLessThan(8_000);
    await until(async () => processesWith(`sleep\0${marker}`).length === 0, 5_000);
  });

  it('keeps a secret given through env out of outputs, logs and errors; it reaches only where the script sends it', async () => {
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('script-secret'), {
        echo: {
          uses: 'script/shell@^1',
          with: {
            env: { TOKEN: '${{ secrets.API_TOKEN }}' },
            script: `echo "token is $TOKEN"; echo "again $TOKEN" >&2; printf '{"token": "%s"}' "$TOKEN" > "$BATON_OUTPUTS"`,
          },
        },
        call: once({
          uses: 'script/python@^1',
          with: {
            env: { TOKEN: '${{ secrets.API_TOKEN }}' },
            egress: ['127.0.0.1'],
            script: [
              'import os, urllib.request',
              `request = urllib.request.Request("http://127.0.0.1:${port}/secret", headers={"authorization": "Bearer " + os.environ["TOKEN"]})`,
              'urllib.request.urlopen(request).read()',
              'raise SystemExit("giving up with " + os.environ["TOKEN"])',
            ].join('\n'),
          },
        }),
      }),
    );

    expect(stepOf(run, 'echo').status).toBe('succeeded');
    expect(stepOf(run, 'call')).toMatchObject({
      status: 'failed',
      error: { stepCode: 'script_exit_1', message: expect.stringContaining('giving up with') },
    });
    expect(received.find((request) => request.url === '/secret')?.headers.authorization).toBe(`Bearer ${token}`);
    await expectSecretNowhere(tenant, token, 1);
  });

  it('reaches HTTP only through its proxy: plain requests through the broker, CONNECT through the relay, each to its egress list', async () => {
    await approveEndpoints(tenant, 'script', [`http://127.0.0.1:${port}`]);
    const pg = new URL(inject('databaseUrl'));
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('script-network'), {
        net: {
          uses: 'script/python@^1',
          with: {
            egress: ['127.0.0.1'],
            script: [
              'import http.client, json, os, socket, urllib.error, urllib.parse, urllib.request',
              'def get(url):',
              '    try:',
              '        with urllib.request.urlopen(url, timeout=10) as r: return [r.status, r.read().decode()]',
              '    except urllib.error.HTTPError as e: return [e.code, e.read().decode()]',
              '    except Exception as e: return [0, type(e).__name__]',
              'def tunnel(to):',
              '    proxy = urllib.parse.urlsplit(os.environ["HTTPS_PROXY"])',
              '    c = http.client.HTTPConnection(proxy.hostname, proxy.port, timeout=10)',
              '    c.set_tunnel("127.0.0.1", to)',
              '    try:',
              '        c.request("GET", "/tunnelled"); r = c.getresponse(); return [r.status, r.read().decode()]',
              '    except OSError as e: return [0, str(e)]',
              'def direct(host, port):',
              '    try: socket.create_connection((host, port), timeout=3); return "connected"',
              '    except OSError as e: return type(e).__name__',
              'out = {',
              `  "allowed": get("http://127.0.0.1:${port}/hello"),`,
              `  "outside": get("http://localhost:${port}/"),`,
              `  "database": get("http://127.0.0.1:${pg.port || 5432}/"),`,
              `  "tunnel": tunnel(${port}),`,
              `  "unapproved": tunnel(${Number(pg.port || 5432)}),`,
              `  "direct": direct("127.0.0.1", ${port}),`,
              '}',
              'json.dump(out, open(os.environ["BATON_OUTPUTS"], "w"))',
            ].join('\n'),
          },
        },
      }),
    );

    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    const out = (stepOf(run, 'net').outputs as { outputs: Record<string, [number, string] | string> }).outputs;
    expect(out.allowed).toEqual([200, JSON.stringify({ path: '/hello' })]);
    expect(out.outside).toEqual([403, expect.stringContaining("localhost is not in this step's egress list")]);
    // In the egress list and in the allowed range, but the installation's own database: the broker refuses it.
    expect(out.database).toEqual([403, expect.stringContaining("this installation's own services")]);
    expect(out.tunnel).toEqual([200, JSON.stringify({ path: '/tunnelled' })]);
    expect(out.unapproved).toEqual([0, expect.stringMatching(/Tunnel connection failed: 403/)]);
    // No way around the proxy: the namespace's loopback is its own.
    expect(out.direct).toBe('ConnectionRefusedError');
    const logs = await logsOf(run);
    expect(logs).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ level: 'warn', message: expect.stringMatching(/^proxy refused GET http:\/\/localhost:/) }),
      ]),
    );
  });

  it('gives each script step a step process of its own: the orphans a script leaves do not pile up for the next', async () => {
    // A tenant of its own, so that no other step process of the plugin is idle for it.
    const own = await newTenant();
    // Each `sh -c 'true &'` leaves an orphan to the namespace's init, the step process (Node, which reaps none): a
    // zombie until that process ends. 150 of them are fine for one step; a process that served two would be at its
    // limit of 256 processes and threads.
    const orphans = { uses: 'script/shell@^1', with: { script: "set -e; i=0; while [ $i -lt 150 ]; do sh -c 'true &'; i=$((i+1)); done" } };
    const run = await runToEnd(
      own,
      newPipeline(uniqueName('script-orphans'), {
        first: orphans,
        second: { ...orphans, needs: ['first'] },
        third: { ...orphans, needs: ['second'] },
      }),
    );

    expect(run.status, JSON.stringify(run.error)).toBe('succeeded');
  });

  it("holds against a hostile script: the installation's files and processes, its database, a fork bomb, a memory hog, a huge file; the worker serves on", async () => {
    const home = inject('batonHome');
    const secretFiles = readdirSync(home)
      .map((name) => join(home, name))
      .filter((path) => statSync(path).isFile());
    expect(secretFiles.length).toBeGreaterThan(0);
    const pg = new URL(inject('databaseUrl'));
    const [temporalHost, temporalPort] = inject('temporalAddress').split(':');
    const bomb = `bomb-${randomUUID()}`;
    const run = await runToEnd(
      tenant,
      newPipeline(uniqueName('script-hostile'), {
        snoop: once({
          uses: 'script/python@^1',
          with: {
            script: [
              'import json, os, socket',
              'def attempt(f):',
              '    try: f(); return "done"',
              '    except Exception as e: return type(e).__name__',
              'def environs():',
              '    text = ""',
              '    for pid in os.listdir("/proc"):',
              '        try: text += open(f"/proc/{pid}/environ", "rb").read().decode(errors="replace").replace("\\0", "\\n")',
              '        except Exception: pass',
              '    return text',
              'out = {',
              `  "files": [attempt(lambda: open(path).read()) for path in ${JSON.stringify(secretFiles)}],`,
              `  "worker_environ": attempt(lambda: open("/proc/${inject('stackPids').worker}/environ").read()),`,
              '  "environs": environs(),',
              '  "pids": sorted(int(p) for p in os.listdir("/proc") if p.isdigit()),',
              `  "signal_worker": attempt(lambda: os.kill(${inject('stackPids').worker}, 0)),`,
              `  "postgres": attempt(lambda: socket.create_connection(("127.0.0.1", ${Number(pg.port || 5432)}), timeout=3)),`,
              `  "temporal": attempt(lambda: socket.create_connection(("${temporalHost}", ${Number(temporalPort)}), timeout=3)),`,
              '}',
              'json.dump(out, open(os.environ["BATON_OUTPUTS"], "w"))',
            ].join('\n'),
          },
        }),
        bomb: once({ uses: 'script/shell@^1', timeout: '20s', with: { script: `# ${bomb}\nf() { f | f & }\nf\nsleep 3\necho survived` } }),
        hog: once({ uses: 'script/python@^1', with: { script: 'hoard = bytearray(8 * 1024 ** 3)' } }),
        // One byte at 3 GB: a file over the size cap (SANDBOX_SCRATCH_FILE_MB, 2 GiB) without the disk it would take.
        huge: once({ uses: 'script/shell@^1', with: { script: 'dd if=/dev/zero of=huge.bin bs=1 count=1 seek=3000000000' } }),
      }),
      {},
      100_000,
    );

    const snoop = stepOf(run, 'snoop');
    expect(snoop.status, JSON.stringify(snoop)).toBe('succeeded');
    const out = (
      snoop.outputs as {
        outputs: {
          files: string[];
          worker_environ: string;
          environs: string;
          pids: number[];
          signal_worker: string;
          postgres: string;
          temporal: string;
        };
      }
    ).outputs;
    expect(
      out.files.every((result) => result === 'PermissionError'),
      JSON.stringify(out.files),
    ).toBe(true);
    // Its /proc is its namespace's: the worker is not there to read or to signal, and it sees only its own few processes.
    expect(out.worker_environ).toBe('FileNotFoundError');
    expect(out.signal_worker).toBe('ProcessLookupError');
    expect(out.pids.length).toBeLessThanOrEqual(3);
    for (const secret of [inject('jwtSecret'), inject('masterKey'), 'DATABASE_URL']) expect(out.environs).not.toContain(secret);
    expect(out.postgres).toBe('ConnectionRefusedError');
    expect(out.temporal).toBe('ConnectionRefusedError');

    // The bomb stops at the processes its uid may have, ends with its step, and leaves nothing behind.
    expect(['succeeded', 'failed', 'timed_out']).toContain(stepOf(run, 'bomb').status);
    await until(async () => processesWith(bomb).length === 0, 10_000);
    expect(stepOf(run, 'hog')).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('MemoryError') } });
    expect(stepOf(run, 'huge')).toMatchObject({ status: 'failed', error: { message: expect.stringContaining('SIGXFSZ') } });

    // The worker serves on, scripts included.
    const after = await runToEnd(
      tenant,
      newPipeline(uniqueName('script-after'), {
        echo: { uses: 'core/echo@^1', with: { still: 'here' } },
        script: { uses: 'script/shell@^1', with: { script: 'echo fine' } },
      }),
    );
    expect(after.status).toBe('succeeded');
  });
});
