/**
 * `npm run bench:steps`: 40 sequential steps, on the same Temporal dev server in one process:
 *   (a) a raw Temporal workflow calling 40 no-op activities in sequence (the baseline);
 *   (b) a Baton pipeline of 40 `core/echo` steps with `execution: activity`, each an activity, the
 *       way every step ran before light steps;
 *   (c) the same steps with `execution: local`: local activities in the warm sandbox;
 *   (d) the same steps as written (`core/echo` is carried out in the workflow itself).
 * Each started through the API and awaited; prints medians and the ratios to (a).
 */
import { compareAll, formatTimes, ITERATIONS, median, RAW_TASK_QUEUE, reportResult, withBenchStack } from './harness.js';

const STEPS = Number(process.env.BENCH_STEPS ?? 40);

await withBenchStack({ noop: async (i: number) => i }, async ({ client, call, runPipeline }) => {
  const save = async (name: string, execution?: 'activity' | 'local') => {
    const steps = Object.fromEntries(
      Array.from({ length: STEPS }, (_, i) => [
        `s${i}`,
        { uses: 'core/echo@^1', with: { i }, ...(execution && { execution }), ...(i ? { needs: [`s${i - 1}`] } : {}) },
      ]),
    );
    await call('PUT', `/v1/pipelines/${name}`, { apiVersion: 'baton/v1', kind: 'Pipeline', name, steps });
  };
  await save('bench-activity', 'activity');
  await save('bench-local', 'local');
  await save('bench-echo');
  let n = 0;
  const times = await compareAll({
    raw: () => client.workflow.execute('sequentialNoops', { taskQueue: RAW_TASK_QUEUE, workflowId: `raw-${n++}`, args: [STEPS] }),
    activity: () => runPipeline('bench-activity'),
    local: () => runPipeline('bench-local'),
    workflow: () => runPipeline('bench-echo'),
  });
  const raw = median(times.raw);
  const ratio = (name: keyof typeof times) => `ratio to raw ${(median(times[name]) / raw).toFixed(2)}`;
  console.log(`\n${STEPS} sequential steps, ${ITERATIONS} iterations each (after one warm-up), same Temporal dev server, one process`);
  console.log(`  (a) raw Temporal, ${STEPS} no-op activities:             ${formatTimes(times.raw)}`);
  console.log(`  (b) Baton, core/echo, execution: activity:     ${formatTimes(times.activity)}   ${ratio('activity')}`);
  console.log(`  (c) Baton, core/echo, execution: local:        ${formatTimes(times.local)}   ${ratio('local')}`);
  console.log(`  (d) Baton, core/echo as written (in workflow): ${formatTimes(times.workflow)}   ${ratio('workflow')}`);
  console.log(`  per-step cost over raw: (b) ${((median(times.activity) - raw) / STEPS).toFixed(1)} ms`);
  const row = (label: string, name: keyof typeof times) => [
    label,
    `${(median(times[name]) / 1000).toFixed(3)} s`,
    (median(times[name]) / raw).toFixed(2),
  ];
  reportResult({
    title: `${STEPS} sequential steps, ${ITERATIONS} iterations each after a warm-up`,
    columns: ['', 'median', 'ratio to raw'],
    rows: [
      row(`(a) raw Temporal, ${STEPS} no-op activities`, 'raw'),
      row('(b) Baton, core/echo, execution: activity', 'activity'),
      row('(c) Baton, core/echo, execution: local', 'local'),
      row('(d) Baton, core/echo as written (in the workflow)', 'workflow'),
    ],
  });
});
process.exit(0);
