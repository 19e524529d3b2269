import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { setTimeout as delay } from 'node:timers/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MAX_LINE_CHARS, readLines, runScript, type ScriptProcess } from './run-script.js';

describe(runScript.name, () => {
  let cwd: string;
  let lines: Array<[string, string]>;
  beforeEach(() => {
    cwd = mkdtempSync(join(tmpdir(), 'baton-script-'));
    lines = [];
  });
  afterEach(() => rmSync(cwd, { recursive: true, force: true }));

  const run = (script: string, options: Partial<ScriptProcess> = {}) =>
    runScript({
      argv: ['/bin/sh', '-c', script],
      cwd,
      env: { PATH: '/usr/bin:/bin', ONLY: 'this' },
      stdin: '{"n":1}',
      signal: new AbortController().signal,
      graceMs: 200,
      onLine: (stream, line) => lines.push([stream, line]),
      ...options,
    });
  /** A killed orphan stays a zombie where init does not reap (this CI's): it runs nothing. */
  const alive = (pid: number) => {
    try {
      process.kill(pid, 0);
    } catch {
      return false;
    }
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  };

  it('gives the script its stdin and only the environment it is given, and streams its lines by stream', async () => {
    const exit = await run('cat; echo; env | sort; pwd; echo oops >&2; exit 3');

    expect(exit).toMatchObject({ exitCode: 3, signal: null, stderrTail: ['oops'] });
    expect(lines).toEqual([
      ['stdout', '{"n":1}'],
      ['stdout', 'ONLY=this'],
      ['stdout', 'PATH=/usr/bin:/bin'],
      ['stdout', 'PWD=' + cwd],
      ['stdout', cwd],
      ['stderr', 'oops'],
    ]);
  });

  it('keeps the last 20 stderr lines for the error', async () => {
    const exit = await run('i=0; while [ $i -lt 30 ]; do echo "line $i" >&2; i=$((i+1)); done; exit 1');

    expect(exit.stderrTail).toHaveLength(20);
    expect(exit.stderrTail.at(0)).toBe('line 10');
    expect(exit.stderrTail.at(-1)).toBe('line 29');
  });

  it('stops the process group on a cancel: SIGTERM, then SIGKILL for a script that ignores it', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const running = run(`trap '' TERM; sleep 60 & echo $! > child.pid; wait`, { signal: controller.signal });
    await delay(300);
    controller.abort();
    const exit = await running;

    expect(exit).toMatchObject({ stoppedBy: 'cancel', exitCode: null, signal: 'SIGKILL' });
    expect(performance.now() - started).toBeLessThan(3_000);
    // SIGKILL reaches the group at once, but a killed process takes a moment to be gone (a busy machine: CI).
    const child = Number(readFileSync(join(cwd, 'child.pid'), 'utf8'));
    await expect.poll(() => alive(child), { timeout: 2_000, interval: 20 }).toBe(false);
  });

  it('stops a script past its own timeout', async () => {
    const exit = await run('sleep 60', { timeoutMs: 200 });

    expect(exit).toMatchObject({ stoppedBy: 'timeout', signal: 'SIGTERM' });
    expect(exit.durationMs).toBeLessThan(2_000);
  });

  it('ends what the script left running in its group', async () => {
    const exit = await run('sleep 60 >/dev/null 2>&1 & echo $! > child.pid; exit 0');
    await delay(50);

    expect(exit.exitCode).toBe(0);
    expect(alive(Number(readFileSync(join(cwd, 'child.pid'), 'utf8')))).toBe(false);
  });

  it('rejects when the interpreter is not there', async () => {
    await expect(run('', { argv: ['/nonexistent/python3', '-c', 'pass'] })).rejects.toMatchObject({ code: 'ENOENT' });
  });
});

describe(readLines.name, () => {
  it('splits on newlines across chunks and UTF-8 sequences, cuts long lines, replaces NUL and keeps a last line without newline', async () => {
    const stream = new PassThrough();
    const seen: string[] = [];
    const reading = readLines(stream, (line) => seen.push(line));
    const euro = Buffer.from('€');
    stream.write(Buffer.concat([Buffer.from('a\r\nb'), euro.subarray(0, 1)]));
    stream.write(Buffer.concat([euro.subarray(1), Buffer.from('\n\n')]));
    stream.write('nul\0byte\n');
    stream.write('x'.repeat(MAX_LINE_CHARS + 10) + '\n');
    stream.end('tail');
    await reading;

    expect(seen).toEqual(['a', 'b€', 'nul\uFFFDbyte', 'x'.repeat(MAX_LINE_CHARS), 'x'.repeat(10), 'tail']);
  });
});
