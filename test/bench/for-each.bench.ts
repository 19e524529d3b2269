/**
 * `npm run bench:for-each`: a 200-item `forEach` with `maxParallel: 20` over `core/sleep` (50 ms),
 * started through the API, against (a) plain Temporal running 200 sleeping activities 20 at a
 * time on the same dev server in this process, and against the ideal 200 / 20 × 50 ms = 500 ms.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { compare, formatTimes, ITERATIONS, median, RAW_TASK_QUEUE, reportResult, withBenchStack } from './harness.js';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 200);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 20);
const SLEEP_MS = 50;
const IDEAL_MS = (ITEMS / PARALLEL) * SLEEP_MS;

await withBenchStack({ sleep: async (ms: number) => sleep(ms).then(() => ms) }, async ({ client, call, runPipeline }) => {
  await call('PUT', '/v1/pipelines/bench-for-each', {
    apiVersion: 'baton/v1',
    kind: 'Pipeline',
    name: 'bench-for-each',
    steps: { nap: { uses: 'core/sleep@^1', forEach: `\${{ [1..${ITEMS}] }}`, maxParallel: PARALLEL, with: { ms: SLEEP_MS } } },
  });
  let n = 0;
  const raw = () =>
    client.workflow.execute('parallelSleeps', { taskQueue: RAW_TASK_QUEUE, workflowId: `raw-${n++}`, args: [ITEMS, PARALLEL, SLEEP_MS] });
  const times = await compare(raw, () => runPipeline('bench-for-each'));
  const [a, b] = [median(times.a), median(times.b)];
  console.log(
    `\nforEach of ${ITEMS} items, maxParallel ${PARALLEL}, ${SLEEP_MS} ms each; ${ITERATIONS} iterations each (after one warm-up), one process`,
  );
  console.log(`  ideal ${ITEMS} / ${PARALLEL} × ${SLEEP_MS} ms:                 ${(IDEAL_MS / 1000).toFixed(3)} s`);
  console.log(`  (a) raw Temporal, ${PARALLEL} lanes of activities:   ${formatTimes(times.a)}`);
  console.log(`  (b) Baton forEach over core/sleep via API:  ${formatTimes(times.b)}`);
  console.log(
    `  ratio b/ideal: ${(b / IDEAL_MS).toFixed(2)}   ratio a/ideal: ${(a / IDEAL_MS).toFixed(2)}   ratio b/a: ${(b / a).toFixed(2)}`,
  );
  reportResult({
    title: `forEach of ${ITEMS} items, maxParallel ${PARALLEL}, ${SLEEP_MS} ms each; ${ITERATIONS} iterations each after a warm-up`,
    columns: ['', 'median', 'ratio to ideal', 'ratio b/a'],
    rows: [
      [`ideal ${ITEMS} / ${PARALLEL} × ${SLEEP_MS} ms`, `${(IDEAL_MS / 1000).toFixed(3)} s`, '1.00'],
      [`(a) raw Temporal, ${PARALLEL} lanes of activities`, `${(a / 1000).toFixed(3)} s`, (a / IDEAL_MS).toFixed(2)],
      ['(b) Baton forEach over core/sleep via API', `${(b / 1000).toFixed(3)} s`, (b / IDEAL_MS).toFixed(2), (b / a).toFixed(2)],
    ],
  });
});
process.exit(0);
