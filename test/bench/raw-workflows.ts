import { proxyActivities, proxyLocalActivities } from '@temporalio/workflow';

export interface RawActivities {
  noop(i: number): Promise<number>;
  sleep(ms: number): Promise<number>;
}

const { noop, sleep } = proxyActivities<RawActivities>({ startToCloseTimeout: '10s' });
const local = proxyLocalActivities<RawActivities>({ startToCloseTimeout: '10s' });

/** Baseline of bench:steps: plain Temporal, `count` no-op activities in sequence. */
export async function sequentialNoops(count: number): Promise<number> {
  let last = 0;
  for (let i = 0; i < count; i++) last = await noop(i);
  return last;
}

/** The same chain as local activities: what a local activity costs the SDK, without Baton. */
export async function sequentialLocalNoops(count: number): Promise<number> {
  let last = 0;
  for (let i = 0; i < count; i++) last = await local.noop(i);
  return last;
}

/** Baseline of bench:for-each: plain Temporal, `count` sleeping activities, at most `parallel` at once. */
export async function parallelSleeps(count: number, parallel: number, ms: number): Promise<number> {
  return inLanes(count, parallel, () => sleep(ms));
}

/** The same fan-out as local activities: what the SDK's local activities cost a fan-out, without Baton. */
export async function parallelLocalSleeps(count: number, parallel: number, ms: number): Promise<number> {
  return inLanes(count, parallel, () => local.sleep(ms));
}

async function inLanes(count: number, parallel: number, work: () => Promise<unknown>): Promise<number> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      next += 1;
      await work();
    }
  };
  await Promise.all(Array.from({ length: parallel }, lane));
  return count;
}
