/**
 * `npm run bench:password`: what one password hash costs, at the old scrypt cost (N=2^14, r=8, p=1)
 * and at the rows of OWASP's table of equivalent minimums (N=2^17 p=1 … N=2^14 p=5), in this
 * process, through `hashPassword` itself (the thread pool and its limit of two at once included).
 * Rounds alternate between the costs, since the load on a shared machine changes within seconds.
 *   one:   a single hash at a time, median ms (what one login or sign-up waits).
 *   burst: 8 hashes started together, median ms until the last is done (logins arriving at once).
 */
import { hashPassword, LEGACY_COST, PASSWORD_COST, type ScryptCost } from '../../src/common/auth/password.js';
import { median, reportResult, time } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 9);
const BURST = 8;
const COSTS: Array<[string, ScryptCost]> = [
  ['old     N=2^14 r=8 p=1', LEGACY_COST],
  ['OWASP   N=2^17 r=8 p=1', { N: 2 ** 17, r: 8, p: 1 }],
  ['OWASP   N=2^16 r=8 p=2', { N: 2 ** 16, r: 8, p: 2 }],
  ['OWASP   N=2^15 r=8 p=3', { N: 2 ** 15, r: 8, p: 3 }],
  ['OWASP   N=2^14 r=8 p=5', { N: 2 ** 14, r: 8, p: 5 }],
];

const one: number[][] = COSTS.map(() => []);
const burst: number[][] = COSTS.map(() => []);
for (let round = 0; round < ROUNDS; round++) {
  for (const [i, [, cost]] of COSTS.entries()) {
    one[i].push(await time(() => hashPassword('correct horse battery staple', cost)));
    burst[i].push(await time(() => Promise.all(Array.from({ length: BURST }, () => hashPassword('correct horse battery staple', cost)))));
  }
}
const current = COSTS.findIndex(([, c]) => c.N === PASSWORD_COST.N && c.r === PASSWORD_COST.r && c.p === PASSWORD_COST.p);
console.log(`scrypt, ${ROUNDS} rounds; medians (in use: ${COSTS[current][0]})`);
console.log(
  `${'cost'.padEnd(24)}${'memory'.padStart(8)}${'one (ms)'.padStart(11)}${`burst of ${BURST} (ms)`.padStart(19)}${'× old'.padStart(8)}`,
);
for (const [i, [name, cost]] of COSTS.entries()) {
  const mib = (128 * cost.N * cost.r) / 2 ** 20;
  console.log(
    `${name.padEnd(24)}${`${mib} MiB`.padStart(8)}${median(one[i]).toFixed(1).padStart(11)}${median(burst[i]).toFixed(0).padStart(19)}${(median(one[i]) / median(one[0])).toFixed(1).padStart(8)}`,
  );
}
reportResult({
  title: `scrypt, ${ROUNDS} rounds; medians (in use: ${COSTS[current][0]})`,
  columns: ['cost', 'memory', 'one (ms)', `burst of ${BURST} (ms)`, '× old'],
  rows: COSTS.map(([name, cost], i) => [
    name.replace(/ +/, ' '),
    `${(128 * cost.N * cost.r) / 2 ** 20} MiB`,
    median(one[i]).toFixed(1),
    median(burst[i]).toFixed(0),
    (median(one[i]) / median(one[0])).toFixed(1),
  ]),
});
