import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import type { HttpExchange } from '../../sdk/src/step-fetch.js';
import plugin from './index.js';
import { pythonStep } from './python.step.js';
import { MAX_SCRIPT_BYTES } from './script-step.js';
import { shellStep } from './shell.step.js';

describe('script plugin', () => {
  it('asks the sandbox for a scratch folder and programs, and for raw TCP (HTTPS tunnels)', () => {
    expect(plugin).toMatchObject({ name: 'script', network: ['*:*'], sandbox: { scratch: true, childProcess: true } });
    expect(plugin.steps.map((step) => [step.id, step.egress])).toEqual([
      ['shell', ['*']],
      ['python', ['*']],
    ]);
  });
});

describe('script/shell', () => {
  it('hands the inputs over on stdin and in $BATON_INPUTS, takes the outputs from $BATON_OUTPUTS and logs each line', async () => {
    const script = [
      'stdin=$(cat)',
      'echo "stdin: $stdin"',
      'echo "file: $(cat "$BATON_INPUTS")"',
      'echo "to stderr" >&2',
      `printf '{"home": "%s", "cwd": "%s", "step": "%s"}' "$HOME" "$PWD" "$BATON_STEP_ID" > "$BATON_OUTPUTS"`,
    ].join('\n');

    const result = await runStepForTest(shellStep, { script, inputs: { n: 1 } }, { scratch: true });

    expect(result).toMatchObject({ ok: true, outputs: { exitCode: 0, durationMs: expect.any(Number) } });
    const { outputs } = (result as unknown as { outputs: { outputs: { home: string; cwd: string; step: string } } }).outputs;
    expect(outputs.cwd).toBe(outputs.home);
    expect(outputs.step).toBe('shell');
    expect(result.logs).toEqual(
      expect.arrayContaining([
        { level: 'info', message: 'stdin: {"n":1}' },
        { level: 'info', message: 'file: {"n":1}' },
        { level: 'warn', message: 'to stderr' },
      ]),
    );
  });

  it('outputs {} when the script writes none', async () => {
    expect(await runStepForTest(shellStep, { script: 'true' }, { scratch: true })).toMatchObject({
      ok: true,
      outputs: { exitCode: 0, outputs: {} },
    });
  });

  it('fails for good on an exit code, with the end of stderr; 75 is retried', async () => {
    const failed = await runStepForTest(shellStep, { script: 'echo one >&2; echo two >&2; exit 3' }, { scratch: true });
    expect(failed).toMatchObject({
      ok: false,
      error: { retryable: false, stepCode: 'script_exit_3', message: 'the script exited with code 3; the end of its stderr:\none\ntwo' },
    });

    const later = await runStepForTest(shellStep, { script: 'exit 75' }, { scratch: true });
    expect(later).toMatchObject({ ok: false, error: { retryable: true, stepCode: 'script_tempfail' } });
  });

  it("names the signal that killed the script's last command", async () => {
    const result = await runStepForTest(shellStep, { script: "sh -c 'kill -XFSZ $$'" }, { scratch: true });

    expect(result).toMatchObject({ ok: false, error: { stepCode: 'script_exit_153', message: expect.stringContaining('SIGXFSZ') } });
  });

  it('fails for good on outputs that are not a JSON object', async () => {
    const result = await runStepForTest(shellStep, { script: 'echo "[1, 2]" > "$BATON_OUTPUTS"' }, { scratch: true });

    expect(result).toMatchObject({ ok: false, error: { retryable: false, stepCode: 'outputs_invalid' } });
  });

  it('stops the script past timeoutSeconds, and at once when cancelled', async () => {
    const timedOut = await runStepForTest(shellStep, { script: 'sleep 30', timeoutSeconds: 1 }, { scratch: true });
    expect(timedOut).toMatchObject({ ok: false, error: { retryable: true, stepCode: 'script_timeout' } });

    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = performance.now();
    const cancelled = await runStepForTest(shellStep, { script: 'sleep 30' }, { scratch: true, signal: controller.signal });
    expect(cancelled).toMatchObject({ ok: false, error: { retryable: false, stepCode: 'cancelled' } });
    expect(performance.now() - started).toBeLessThan(3_000);
  });

  it('needs the scratch grant', async () => {
    expect(await runStepForTest(shellStep, { script: 'true' })).toMatchObject({ ok: false, error: { stepCode: 'sandbox_unavailable' } });
  });

  it.each([
    [{ script: '' }, 'script'],
    [{ script: 'x'.repeat(MAX_SCRIPT_BYTES + 1) }, 'script'],
    [{ script: 'echo \0' }, 'script'],
    [{ script: 'true', env: { BATON_OUTPUTS: '/etc/passwd' } }, 'env'],
    [{ script: 'true', env: { https_proxy: 'http://elsewhere' } }, 'env'],
    [{ script: 'true', env: { 'NOT-A-NAME': 'x' } }, 'env'],
    [{ script: 'true', egress: ['http://example.com/'] }, 'egress'],
    [{ script: 'true', inputs: [1] }, 'inputs'],
  ])('refuses %j', async (input, field) => {
    const result = await runStepForTest(shellStep, input, { scratch: true });

    expect(result).toMatchObject({ ok: false, error: { code: 'invalid_input', message: expect.stringContaining(field) } });
  });
});

describe('script/python', () => {
  it("runs the worker's python3 isolated, with only the environment the step sets", async () => {
    const script = [
      'import json, os, sys',
      'inputs = json.load(sys.stdin)',
      "print('hello', inputs['name'])",
      "json.dump({'isolated': sys.flags.isolated, 'env': sorted(os.environ), 'secret': os.environ['TOKEN']}, open(os.environ['BATON_OUTPUTS'], 'w'))",
    ].join('\n');

    const result = await runStepForTest(pythonStep, { script, inputs: { name: 'ada' }, env: { TOKEN: 't0k' } }, { scratch: true });

    expect(result).toMatchObject({ ok: true, outputs: { outputs: { isolated: 1, secret: 't0k' } } });
    expect((result as unknown as { outputs: { outputs: { env: string[] } } }).outputs.outputs.env).toEqual([
      'BATON_ATTEMPT',
      'BATON_INPUTS',
      'BATON_OUTPUTS',
      'BATON_RUN_ID',
      'BATON_STEP_ID',
      'HOME',
      'HTTPS_PROXY',
      'HTTP_PROXY',
      'LANG',
      'PATH',
      'TMPDIR',
      'TOKEN',
      'http_proxy',
      'https_proxy',
    ]);
    expect(result.logs).toContainEqual({ level: 'info', message: 'hello ada' });
  });

  it("reaches HTTP only through the step's proxy, to the hosts of its egress list", async () => {
    const exchanges: HttpExchange[] = [];
    const http = async (exchange: HttpExchange) => {
      exchanges.push(exchange);
      return {
        ok: true as const,
        url: exchange.url,
        status: 200,
        statusText: 'OK',
        headers: [] as Array<[string, string]>,
        body: Buffer.from('pong'),
      };
    };
    const script = [
      'import json, os, urllib.error, urllib.request',
      'def get(url):',
      '    try: return urllib.request.urlopen(url).read().decode()',
      '    except urllib.error.HTTPError as e: return e.code',
      "json.dump({'allowed': get('http://api.example.com/ping'), 'other': get('http://other.example.com/')}, open(os.environ['BATON_OUTPUTS'], 'w'))",
    ].join('\n');

    const result = await runStepForTest(pythonStep, { script, egress: ['api.example.com'] }, { scratch: true, http });

    expect(result).toMatchObject({ ok: true, outputs: { outputs: { allowed: 'pong', other: 403 } } });
    expect(exchanges.map((exchange) => exchange.url)).toEqual(['http://api.example.com/ping']);
  });
});
