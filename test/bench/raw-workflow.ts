import { proxyActivities } from '@temporalio/workflow';

export interface RawActivities {
  noop(i: number): Promise<number>;
}

const { noop } = proxyActivities<RawActivities>({ startToCloseTimeout: '10s' });

/** The baseline: plain Temporal, 40 no-op activities in sequence. */
export async function fortyNoops(count: number): Promise<number> {
  let last = 0;
  for (let i = 0; i < count; i++) last = await noop(i);
  return last;
}
