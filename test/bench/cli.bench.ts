/**
 * `npm run bench:cli`: how long a `baton` command takes to start, a process each, against the bare
 * Node.js start in the same rounds (the baseline; rounds alternate, since a shared machine's load
 * changes within seconds).
 *   node:            `node -e ""`, the floor;
 *   baton --version: the client side of the command (commander, the typed client, the CLI);
 *   server code:     importing what `up`/`api`/`worker` load (Nest, TypeORM, Temporal), which every
 *                    command paid before the server commands were loaded only when run.
 */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { median, reportResult } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const root = fileURLToPath(new URL('../../../', import.meta.url));
const CASES: Array<[string, string[]]> = [
  ['node', ['-e', '']],
  ['baton --version', [`${root}bin/baton.js`, '--version']],
  ['baton get --help', [`${root}bin/baton.js`, 'get', '--help']],
  ['server code', ['--input-type=module', '-e', `await import(${JSON.stringify(`${root}dist/src/server-commands.js`)})`]],
];

const times: number[][] = CASES.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, [, args]] of CASES.entries()) {
    const started = performance.now();
    execFileSync(process.execPath, args, { stdio: 'ignore', cwd: root });
    times[i].push(performance.now() - started);
  }
}
console.log(`process start to exit, ${ROUNDS} rounds; medians`);
console.log(`${'command'.padEnd(20)}${'ms'.padStart(8)}${'× node'.padStart(9)}`);
for (const [i, [name]] of CASES.entries())
  console.log(
    `${name.padEnd(20)}${median(times[i]).toFixed(0).padStart(8)}${(median(times[i]) / median(times[0])).toFixed(1).padStart(9)}`,
  );
reportResult({
  title: `process start to exit, ${ROUNDS} rounds; medians`,
  columns: ['command', 'ms', '× node'],
  rows: CASES.map(([name], i) => [name, median(times[i]).toFixed(0), (median(times[i]) / median(times[0])).toFixed(1)]),
});
