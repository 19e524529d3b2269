/**
 * `npm run bench:schedules`: (1) creating 1,000 schedules through the API, each one at a time,
 * against creating the same Temporal Schedules directly with the Temporal client (the baseline);
 * (2) fire lateness over 200 fires: 20 schedules firing together every 5 seconds, each fire's run
 * recorded (`createdAt`) and started (`startedAt`) minus the scheduled time. Prints
 * medians, p99 and the ratio of create times.
 */
import { ScheduleOverlapPolicy } from '@temporalio/client';
import { randomUUID } from 'node:crypto';
import { median, reportResult, time, withBenchStack } from './harness.js';

const CREATES = Number(process.env.BENCH_SCHEDULES ?? 1_000);
const FIRES = Number(process.env.BENCH_FIRES ?? 200);
const SIMULTANEOUS = Number(process.env.BENCH_SIMULTANEOUS ?? 20);
const PERIOD_MS = 5_000;

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.ceil((p / 100) * values.length) - 1)];
const describe = (values: number[]) =>
  `p50 ${percentile(values, 50).toFixed(1)} ms   p99 ${percentile(values, 99).toFixed(1)} ms   max ${Math.max(...values).toFixed(1)} ms`;

await withBenchStack({}, async ({ client, call }) => {
  await call('PUT', '/v1/pipelines/bench-tick', {
    apiVersion: 'baton/v1',
    kind: 'Pipeline',
    name: 'bench-tick',
    steps: { tick: { uses: 'core/echo@^1', with: {} } },
  });

  // (1) Creates, alternating Baton and raw Temporal so that both see the same server load.
  const baton: number[] = [];
  const raw: number[] = [];
  const ids: string[] = [];
  for (let i = 0; i < CREATES; i++) {
    baton.push(
      await time(async () =>
        ids.push(((await call('POST', '/v1/schedules', { pipeline: 'bench-tick', cron: '0 0 1 1 *', paused: true })) as { id: string }).id),
      ),
    );
    raw.push(
      await time(() =>
        client.schedule.create({
          scheduleId: `raw-${randomUUID()}`,
          spec: { cronExpressions: ['0 0 1 1 *'] },
          state: { paused: true },
          action: { type: 'startWorkflow', workflowType: 'sequentialNoops', taskQueue: 'bench-raw', args: [0] },
          policies: { overlap: ScheduleOverlapPolicy.SKIP },
        }),
      ),
    );
  }
  console.log(`\n${CREATES} schedule creates, one at a time, alternating`);
  console.log(`  (a) Temporal client, schedule.create:      median ${median(raw).toFixed(1)} ms   ${describe(raw)}`);
  console.log(`  (b) Baton POST /v1/schedules:              median ${median(baton).toFixed(1)} ms   ${describe(baton)}`);
  console.log(`  ratio b/a: ${(median(baton) / median(raw)).toFixed(2)}   (Baton also checks the pipeline and inputs and writes the row)`);

  // (2) Lateness: SIMULTANEOUS of them, switched to every 5 s, fire together on each boundary until FIRES runs were recorded.
  const firing = ids.slice(0, SIMULTANEOUS);
  for (const id of firing) await call('PATCH', `/v1/schedules/${id}`, { every: `${PERIOD_MS / 1000}s`, paused: false });
  // Fires from the first whole boundary after all were switched on.
  const from = Math.ceil(Date.now() / PERIOD_MS) * PERIOD_MS;
  const deadline = from + (FIRES / SIMULTANEOUS + 4) * PERIOD_MS;
  let fires: Array<{ createdAt: string; startedAt: string | null }> = [];
  while (fires.length < FIRES && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 1_000));
    const { items } = (await call('GET', '/v1/runs?trigger=schedule&limit=500')) as {
      items: Array<{ scheduleId: string; createdAt: string; startedAt: string | null }>;
    };
    fires = items.filter((r) => firing.includes(r.scheduleId) && Date.parse(r.createdAt) >= from && r.startedAt);
  }
  for (const id of firing) await call('PATCH', `/v1/schedules/${id}`, { paused: true }).catch(() => undefined);
  fires = fires.sort((a, b) => Date.parse(a.createdAt) - Date.parse(b.createdAt)).slice(0, FIRES);
  // Interval schedules fire on multiples of the period since the epoch: the boundary before a run is its scheduled time.
  const scheduled = (at: string) => Math.floor(Date.parse(at) / PERIOD_MS) * PERIOD_MS;
  const recorded = fires.map((r) => Date.parse(r.createdAt) - scheduled(r.createdAt));
  const started = fires.map((r) => Date.parse(r.startedAt!) - scheduled(r.createdAt));
  console.log(
    `\nFire lateness over ${fires.length} fires (${SIMULTANEOUS} schedules firing together every ${PERIOD_MS / 1000} s, one worker, the Temporal dev server)`,
  );
  console.log(`  run recorded (createdAt) − scheduled time: ${describe(recorded)}`);
  console.log(`  run started  (startedAt) − scheduled time: ${describe(started)}`);
  const cells = (values: number[]) =>
    values.length
      ? [50, 99].map((p) => `${percentile(values, p).toFixed(1)} ms`).concat(`${Math.max(...values).toFixed(1)} ms`)
      : ['-', '-', '-'];
  reportResult({
    title: `${CREATES} schedule creates one at a time, alternating; fire lateness over ${fires.length} fires of ${SIMULTANEOUS} schedules firing together every ${PERIOD_MS / 1000} s`,
    columns: ['', 'p50', 'p99', 'max', 'ratio b/a (medians)'],
    rows: [
      ['(a) create: Temporal client, schedule.create', ...cells(raw)],
      ['(b) create: Baton POST /v1/schedules', ...cells(baton), (median(baton) / median(raw)).toFixed(2)],
      ['fire: run recorded (createdAt) − scheduled time', ...cells(recorded)],
      ['fire: run started (startedAt) − scheduled time', ...cells(started)],
    ],
  });
});
process.exit(0);
