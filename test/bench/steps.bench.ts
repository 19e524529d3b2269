/**
 * `npm run bench:steps`: (a) a raw Temporal workflow calling 40 no-op activities in sequence,
 * against (b) a Baton pipeline of 40 sequential `core/echo` steps started through the API, on
 * the same Temporal dev server in one process. Prints medians and the ratio b/a.
 */
import { compare, formatTimes, ITERATIONS, median, RAW_TASK_QUEUE, reportResult, withBenchStack } from './harness.js';

const STEPS = Number(process.env.BENCH_STEPS ?? 40);

await withBenchStack({ noop: async (i: number) => i }, async ({ client, call, runPipeline }) => {
  const steps = Object.fromEntries(
    Array.from({ length: STEPS }, (_, i) => [`s${i}`, { uses: 'core/echo@^1', with: { i }, ...(i ? { needs: [`s${i - 1}`] } : {}) }]),
  );
  await call('PUT', '/v1/pipelines/bench-40', { apiVersion: 'baton/v1', kind: 'Pipeline', name: 'bench-40', steps });
  let n = 0;
  const raw = () => client.workflow.execute('sequentialNoops', { taskQueue: RAW_TASK_QUEUE, workflowId: `raw-${n++}`, args: [STEPS] });
  const times = await compare(raw, () => runPipeline('bench-40'));
  const [a, b] = [median(times.a), median(times.b)];
  console.log(`\n${STEPS} sequential steps, ${ITERATIONS} iterations each (after one warm-up), same Temporal dev server, one process`);
  console.log(`  (a) raw Temporal, ${STEPS} no-op activities:   ${formatTimes(times.a)}`);
  console.log(`  (b) Baton, ${STEPS} core/echo steps via API:  ${formatTimes(times.b)}`);
  console.log(`  ratio b/a: ${(b / a).toFixed(2)}   per-step overhead over raw: ${((b - a) / STEPS).toFixed(1)} ms`);
  reportResult({
    title: `${STEPS} sequential steps, ${ITERATIONS} iterations each after a warm-up`,
    columns: ['', 'median', 'ratio b/a', 'per-step overhead over raw'],
    rows: [
      [`(a) raw Temporal, ${STEPS} no-op activities`, `${(a / 1000).toFixed(3)} s`],
      [
        `(b) Baton, ${STEPS} core/echo steps via API`,
        `${(b / 1000).toFixed(3)} s`,
        (b / a).toFixed(2),
        `${((b - a) / STEPS).toFixed(1)} ms`,
      ],
    ],
  });
});
process.exit(0);
