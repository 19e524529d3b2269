/**
 * `npm run bench:expressions`: ordinary `${{ }}`-style JSONata expressions and regexes evaluated (a)
 * as before this engine (plain JSONata, the backtracking RegExp, no counted budget) and (b) as now
 * (RE2 for regexes, every step, value and search charged to a budget), in one process, alternating.
 * Prints per expression the median of each and the ratio b/a. No stack needed.
 */
import jsonata from 'jsonata';
import { compileBounded, evaluateWithBudget } from '../../workers/contracts/expressions/budget.js';
import { median, reportResult } from './stats.js';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const REPEAT = 200;

const context = {
  inputs: { day: '2026-05-01', region: 'eu-west', emails: Array.from({ length: 50 }, (_, i) => `user${i}@example.test`), count: 12 },
  steps: {
    extract: {
      status: 'succeeded',
      outputs: { rows: Array.from({ length: 200 }, (_, i) => ({ region: i % 2 ? 'eu' : 'us', amount: i, id: `ORD-${i}` })) },
    },
  },
  run: { id: 'r', pipeline: 'p', version: 1 },
};

const EXPRESSIONS: Array<[string, string]> = [
  ['path and arithmetic', 'inputs.count * 2 + 1'],
  ['string template', '"reports/" & inputs.day & "/" & inputs.region & ".csv"'],
  ['filter and sum over 200 rows', '$sum(steps.extract.outputs.rows[region = "eu"].amount)'],
  ['group by over 200 rows', 'steps.extract.outputs.rows{ region: $sum(amount) }'],
  ['map with a lambda', '$map(inputs.emails, function($e) { $substringBefore($e, "@") })'],
  ['$sort with a comparator', '$sort(steps.extract.outputs.rows, function($a, $b) { $a.amount < $b.amount })[0].id'],
  ['regex: $contains', '$contains(inputs.region, /^eu-(west|east)$/)'],
  ['regex: $match groups', '$match(steps.extract.outputs.rows[0].id, /^([A-Z]+)-(\\d+)$/).groups'],
  ['regex: $replace over 50 e-mails', '$map(inputs.emails, function($e) { $replace($e, /@.*$/, "") })'],
  ['regex: $split', '$split("a, b,c ,d", /\\s*,\\s*/)'],
];

const results: string[] = [];
const rows: string[][] = [];
for (const [name, text] of EXPRESSIONS) {
  const before = jsonata(text);
  const after = compileBounded(text);
  const a: number[] = [];
  const b: number[] = [];
  // Same answers first, then time both, alternating so that neither gets a warmer process.
  const expected = JSON.stringify(await before.evaluate(context));
  const actual = JSON.stringify(await evaluateWithBudget(after, context));
  if (expected !== actual) throw new Error(`${name}: ${actual} instead of ${expected}`);
  for (let round = 0; round < ROUNDS; round++) {
    let started = performance.now();
    for (let i = 0; i < REPEAT; i++) await before.evaluate(context);
    a.push(((performance.now() - started) * 1000) / REPEAT);
    started = performance.now();
    for (let i = 0; i < REPEAT; i++) await evaluateWithBudget(after, context);
    b.push(((performance.now() - started) * 1000) / REPEAT);
  }
  const [ma, mb] = [median(a), median(b)];
  rows.push([name, `${ma.toFixed(1)} µs`, `${mb.toFixed(1)} µs`, (mb / ma).toFixed(2)]);
  results.push(
    `  ${name.padEnd(32)} (a) ${ma.toFixed(1).padStart(8)} µs   (b) ${mb.toFixed(1).padStart(8)} µs   b/a ${(mb / ma).toFixed(2)}`,
  );
}
console.log(`\nOne evaluation, median of ${ROUNDS} rounds of ${REPEAT}: (a) plain JSONata + RegExp, (b) RE2 + counted budget`);
for (const line of results) console.log(line);
reportResult({
  title: `One evaluation, median of ${ROUNDS} rounds of ${REPEAT}: (a) plain JSONata + RegExp, (b) RE2 + counted budget`,
  columns: ['expression', '(a)', '(b)', 'b/a'],
  rows,
});
process.exit(0);
