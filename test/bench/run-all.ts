/**
 * `npm run bench [-- <name>...]`: runs every `npm run bench:*` (or those named) one after another,
 * each printing as it always does and handing its tables over through BENCH_RESULT_FILE
 * (stats.ts `reportResult`), and writes their sections of docs/benchmarks.md (bench-report.ts),
 * keeping the sections of the others. A benchmark that fails gets a section saying so. Exits 1 if
 * any failed.
 *
 *   --smoke      tiny sizes (SMOKE below): that each still runs, not what it measures;
 *   --out <file> write there instead of docs/benchmarks.md.
 */
import { execFileSync, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeMachine, renderDocument, type BenchOutcome } from './bench-report.js';
import type { BenchTable } from './stats.js';

/**
 * Sizes at which each benchmark runs in seconds (test/bench-smoke.e2e.ts runs them so in `npm test`);
 * a benchmark missing here runs at its own sizes with `--smoke`.
 */
const SMOKE: Record<string, Record<string, string>> = {
  steps: { BENCH_ITERATIONS: '1', BENCH_STEPS: '3' },
  sandbox: { BENCH_ITERATIONS: '1', BENCH_TASKS: '2' },
  'for-each': { BENCH_ITERATIONS: '1', BENCH_ITEMS: '10', BENCH_PARALLEL: '5' },
  schedules: { BENCH_SCHEDULES: '3', BENCH_FIRES: '2', BENCH_SIMULTANEOUS: '2' },
  'run-admission': { BENCH_RUNS: '500', BENCH_STARTS: '5' },
  observability: {
    BENCH_RUNS: '2000',
    BENCH_TENANTS: '4',
    BENCH_EVENTS_PER_RUN: '2',
    BENCH_LOG_LINES: '1000',
    BENCH_REQUESTS: '2',
  },
  metrics: { BENCH_REQUESTS: '20', BENCH_BATCHES: '2', BENCH_ITERATIONS: '1' },
  tracing: { BENCH_ITERATIONS: '1', BENCH_STEPS: '2' },
  // Every step but logistic regression at its default 50,000 steps (tens of seconds even at 300 rows; the 1,000-step one stays).
  ml: {
    BENCH_ML_ROWS: '300',
    BENCH_ITERATIONS: '1',
    BENCH_ML_ONLY: 'split,linear,numSteps 1000,random_forest,evaluate,compare,predict,drift',
  },
  triggers: {
    BENCH_RUNS: '2000',
    BENCH_TENANTS: '4',
    BENCH_EVENTS_PER_RUN: '2',
    BENCH_DELIVERIES: '200',
    BENCH_MODEL_VERSIONS: '50',
    BENCH_MODELS_PER_TENANT: '5',
    BENCH_REQUESTS: '2',
    BENCH_ITERATIONS: '2',
  },
  password: { BENCH_ROUNDS: '1' },
  expressions: { BENCH_ROUNDS: '2' },
  reliability: { BENCH_ITERATIONS: '1', BENCH_BURST: '12', BENCH_CONCURRENCY: '4', BENCH_OUTAGE_MS: '1000' },
  'run-start': { BENCH_STARTS: '3' },
  connectors: { BENCH_LOAD_ROWS: '200', BENCH_ITERATIONS: '1', BENCH_AMQP_MESSAGES: '3' },
  sql: { BENCH_SQL_ROWS: '2000', BENCH_ITERATIONS: '1' },
  console: { BENCH_RUNS: '200', BENCH_ITERATIONS: '1' },
  scale: { BENCH_RUNS: '6', BENCH_ROUNDS: '1' },
  cli: { BENCH_ROUNDS: '1' },
};

const root = fileURLToPath(new URL('../../../', import.meta.url));
/** The last lines of a failed benchmark's stderr that its section quotes. */
const ERROR_TAIL = 15;

/** The benchmarks, as package.json's `bench:*` scripts name them. */
function benchNames(): string[] {
  const { scripts } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
  return Object.keys(scripts)
    .filter((script) => script.startsWith('bench:'))
    .map((script) => script.slice('bench:'.length));
}

function commit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { cwd: root, encoding: 'utf8' }).trim();
  try {
    const dirty = git('status', '--porcelain', '--untracked-files=no') !== '';
    return `${git('rev-parse', '--short', 'HEAD')}${dirty ? ' with uncommitted changes' : ''}`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

/** One benchmark through its npm script, its output passed through; its tables read back from BENCH_RESULT_FILE. */
async function runBench(name: string, env: Record<string, string>, at: string): Promise<BenchOutcome> {
  const work = mkdtempSync(join(tmpdir(), `bench-${name}-`));
  const resultFile = join(work, 'result.ndjson');
  const ranAt = new Date();
  const machine = describeMachine();
  const started = performance.now();
  const errorTail: string[] = [];
  console.log(`\n=== npm run bench:${name}`);
  const exit = await new Promise<number | string>((resolve) => {
    const child = spawn('npm', ['run', '--silent', `bench:${name}`], {
      cwd: root,
      env: { ...process.env, ...env, BENCH_RESULT_FILE: resultFile },
      stdio: ['ignore', 'inherit', 'pipe'],
    });
    child.stderr.on('data', (chunk: Buffer) => {
      process.stderr.write(chunk);
      errorTail.push(...chunk.toString().split('\n').filter(Boolean));
      errorTail.splice(0, Math.max(0, errorTail.length - ERROR_TAIL));
    });
    child.on('error', (error) => {
      errorTail.push(error.message);
      resolve(1);
    });
    child.on('close', (code, signal) => resolve(code ?? signal ?? 1));
  });
  const tables = existsSync(resultFile)
    ? readFileSync(resultFile, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as BenchTable)
    : [];
  rmSync(work, { recursive: true, force: true });
  const sizes = Object.fromEntries(
    Object.entries({ ...process.env, ...env }).filter(([key]) => key.startsWith('BENCH_') && key !== 'BENCH_RESULT_FILE'),
  ) as Record<string, string>;
  return { name, exit, seconds: (performance.now() - started) / 1000, tables, errorTail, sizes, ranAt, commit: at, machine };
}

async function main(): Promise<number> {
  const { values, positionals: asked } = parseArgs({
    options: { smoke: { type: 'boolean', default: false }, out: { type: 'string', default: join(root, 'docs/benchmarks.md') } },
    allowPositionals: true,
  });
  const out = values.out;
  const names = benchNames();
  const unknown = asked.filter((name) => !names.includes(name));
  if (unknown.length) {
    console.error(`No such benchmark: ${unknown.join(', ')}. There are: ${names.join(', ')}.`);
    return 2;
  }
  const at = commit();
  const outcomes: BenchOutcome[] = [];
  for (const name of asked.length ? names.filter((n) => asked.includes(n)) : names) {
    outcomes.push(await runBench(name, values.smoke ? (SMOKE[name] ?? {}) : {}, at));
    // Written after each, so that an interrupted run keeps what finished.
    writeFileSync(out, renderDocument(existsSync(out) ? readFileSync(out, 'utf8') : undefined, outcomes, names));
  }
  const failed = outcomes.filter((o) => o.exit !== 0);
  console.log(`\n${outcomes.length - failed.length} of ${outcomes.length} benchmarks finished; written to ${out}`);
  if (failed.length) console.error(`Failed: ${failed.map((o) => `${o.name} (${o.exit})`).join(', ')}`);
  return failed.length ? 1 : 0;
}

process.exitCode = await main();
