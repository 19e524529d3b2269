/**
 * `npm run bench:for-each`: a `forEach` of BENCH_ITEMS (200) items with `maxParallel` BENCH_PARALLEL
 * (20) over `core/sleep` (50 ms), started through the API, against the ideal items / parallel ×
 * 50 ms and plain Temporal on the same dev server in this process running as many sleeping (a)
 * activities or (a') local activities as many at a time. Baton runs the items (b) as activities
 * (`execution: activity`, as every item ran before light steps) and (c) as local activities
 * (`execution: local`). Prints medians, ratios and the process's resident memory (API, worker and
 * bench are one process) before and after.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { compareAll, formatTimes, ITERATIONS, median, RAW_TASK_QUEUE, reportResult, withBenchStack } from './harness.js';

const ITEMS = Number(process.env.BENCH_ITEMS ?? 200);
const PARALLEL = Number(process.env.BENCH_PARALLEL ?? 20);
const SLEEP_MS = 50;
const IDEAL_MS = (ITEMS / PARALLEL) * SLEEP_MS;
const rssMb = () => (process.memoryUsage().rss / 2 ** 20).toFixed(0);

await withBenchStack({ sleep: async (ms: number) => sleep(ms).then(() => ms) }, async ({ client, call, runPipeline }) => {
  const save = async (name: string, execution: 'activity' | 'local') =>
    call('PUT', `/v1/pipelines/${name}`, {
      apiVersion: 'baton/v1',
      kind: 'Pipeline',
      name,
      steps: {
        nap: { uses: 'core/sleep@^1', forEach: `\${{ [1..${ITEMS}] }}`, maxParallel: PARALLEL, with: { ms: SLEEP_MS }, execution },
      },
    });
  await save('bench-for-each', 'activity');
  await save('bench-for-each-local', 'local');
  let n = 0;
  const rssBefore = rssMb();
  const times = await compareAll({
    raw: () =>
      client.workflow.execute('parallelSleeps', { taskQueue: RAW_TASK_QUEUE, workflowId: `raw-${n++}`, args: [ITEMS, PARALLEL, SLEEP_MS] }),
    rawLocal: () =>
      client.workflow.execute('parallelLocalSleeps', {
        taskQueue: RAW_TASK_QUEUE,
        workflowId: `raw-local-${n++}`,
        args: [ITEMS, PARALLEL, SLEEP_MS],
      }),
    activity: () => runPipeline('bench-for-each'),
    local: () => runPipeline('bench-for-each-local'),
  });
  const raw = median(times.raw);
  const ratios = (name: keyof typeof times) =>
    `ratio to ideal ${(median(times[name]) / IDEAL_MS).toFixed(2)}   to raw ${(median(times[name]) / raw).toFixed(2)}`;
  console.log(
    `\nforEach of ${ITEMS} items, maxParallel ${PARALLEL}, ${SLEEP_MS} ms each; ${ITERATIONS} iterations each (after one warm-up), one process`,
  );
  console.log(`  ideal ${ITEMS} / ${PARALLEL} × ${SLEEP_MS} ms:                     ${(IDEAL_MS / 1000).toFixed(3)} s`);
  console.log(`  (a) raw Temporal, ${PARALLEL} lanes of activities:       ${formatTimes(times.raw)}   ${ratios('raw')}`);
  console.log(`  (a') raw Temporal, ${PARALLEL} lanes of local activities: ${formatTimes(times.rawLocal)}   ${ratios('rawLocal')}`);
  console.log(`  (b) Baton forEach, execution: activity:   ${formatTimes(times.activity)}   ${ratios('activity')}`);
  console.log(`  (c) Baton forEach, execution: local:      ${formatTimes(times.local)}   ${ratios('local')}`);
  const rssAfter = rssMb();
  console.log(`  resident memory of the process: ${rssBefore} MiB before, ${rssAfter} MiB after`);
  const row = (label: string, name: keyof typeof times) => [
    label,
    `${(median(times[name]) / 1000).toFixed(3)} s`,
    (median(times[name]) / IDEAL_MS).toFixed(2),
    (median(times[name]) / raw).toFixed(2),
  ];
  reportResult({
    title: `forEach of ${ITEMS} items, maxParallel ${PARALLEL}, ${SLEEP_MS} ms each; ${ITERATIONS} iterations each after a warm-up; RSS ${rssBefore} → ${rssAfter} MiB`,
    columns: ['', 'median', 'ratio to ideal', 'ratio to raw'],
    rows: [
      [`ideal ${ITEMS} / ${PARALLEL} × ${SLEEP_MS} ms`, `${(IDEAL_MS / 1000).toFixed(3)} s`, '1.00', ''],
      row(`(a) raw Temporal, ${PARALLEL} lanes of activities`, 'raw'),
      row(`(a') raw Temporal, ${PARALLEL} lanes of local activities`, 'rawLocal'),
      row('(b) Baton forEach, execution: activity', 'activity'),
      row('(c) Baton forEach, execution: local', 'local'),
    ],
  });
});
process.exit(0);
