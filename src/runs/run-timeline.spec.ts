import { describe, expect, it } from 'vitest';
import { attemptsByStep, inputsByStep, runGraph } from './run-timeline.js';

const at = (s: number) => new Date(Date.UTC(2026, 10, 27, 12, 0, s)).toISOString();

describe('attemptsByStep', () => {
  it('closes an attempt that was retried without recording an end as timed out, with no end time', () => {
    const attempts = attemptsByStep([
      { type: 'step.started', key: 'a1', at: at(1), stepId: 'load', uses: 'x/y@1.0.0', attempt: 1, queuedAt: at(0) },
      // The worker died: no end for attempt 1; Temporal retried after the heartbeat timeout.
      { type: 'step.started', key: 'a2', at: at(9), stepId: 'load', uses: 'x/y@1.0.0', attempt: 2, queuedAt: at(8) },
      { type: 'step.succeeded', key: 's2', at: at(10), stepId: 'load', attempt: 2, outputs: {} },
    ]).get('load')!;
    expect(attempts).toEqual([
      { attempt: 1, queuedAt: at(0), startedAt: at(1), endedAt: null, status: 'timed_out' },
      { attempt: 2, queuedAt: at(8), startedAt: at(9), endedAt: at(10), status: 'succeeded' },
    ]);
  });

  it('ends what a step left running with the step: its own status for the step, cancelled for its items', () => {
    const error = { message: 'took too long', code: 'timeout' };
    const attempts = attemptsByStep([
      { type: 'step.started', key: 'a', at: at(1), stepId: 'slow', uses: 'x/y@1.0.0', attempt: 1 },
      { type: 'step.failed', key: 'f', at: at(5), stepId: 'slow', status: 'timed_out', error },
      { type: 'step.started', key: 'i0', at: at(1), stepId: 'fan', item: 0, uses: 'x/y@1.0.0', attempt: 1 },
      { type: 'step.started', key: 'i1', at: at(1), stepId: 'fan', item: 1, uses: 'x/y@1.0.0', attempt: 1 },
      { type: 'step.item_failed', key: 'i0f', at: at(2), stepId: 'fan', item: 0, status: 'failed', error },
      { type: 'step.failed', key: 'ff', at: at(3), stepId: 'fan', status: 'failed', error },
    ]);
    expect(attempts.get('slow')).toEqual([{ attempt: 1, queuedAt: null, startedAt: at(1), endedAt: at(5), status: 'timed_out', error }]);
    expect(attempts.get('fan')!.map((a) => [a.item, a.status, a.endedAt])).toEqual([
      [0, 'failed', at(2)],
      [1, 'cancelled', at(3)],
    ]);
  });
});

describe('inputsByStep', () => {
  it("keeps each step's first recorded input, or its size when it was too large, and no item's", () => {
    const inputs = inputsByStep([
      { type: 'step.started', key: 'a1', at: at(1), stepId: 'load', uses: 'x/y@1.0.0', attempt: 1, input: { table: 'sales' } },
      { type: 'step.started', key: 'a2', at: at(2), stepId: 'load', uses: 'x/y@1.0.0', attempt: 2 },
      { type: 'step.started', key: 'b1', at: at(3), stepId: 'dump', uses: 'x/y@1.0.0', attempt: 1, inputBytes: 70_000 },
      { type: 'step.started', key: 'c1', at: at(4), stepId: 'fan', item: 0, uses: 'x/y@1.0.0', attempt: 1, input: { value: 'a' } },
    ]);
    expect(Object.fromEntries(inputs)).toEqual({ load: { input: { table: 'sales' } }, dump: { input: null, inputBytes: 70_000 } });
  });
});

describe('runGraph', () => {
  it('has a node per step and failure handler, an edge per need, and queued for steps without a status', () => {
    const graph = runGraph(
      {
        apiVersion: 'baton/v1',
        kind: 'Pipeline',
        name: 'p',
        steps: {
          a: { uses: 'x/y@^1' },
          b: { uses: 'x/y@^1', needs: ['a'], forEach: [1, 2] },
          ok: { approval: { roles: ['admin'], timeout: '1h', onTimeout: 'reject' }, needs: ['a', 'b'] },
        },
        onFailure: [{ uses: 'x/notify@^1' }],
      },
      new Map([['a', 'succeeded']]),
    );
    expect(graph.nodes).toEqual([
      { id: 'a', kind: 'step', uses: 'x/y@^1', needs: [], status: 'succeeded' },
      { id: 'b', kind: 'forEach', uses: 'x/y@^1', needs: ['a'], forEach: { items: 2 }, status: 'queued' },
      {
        id: 'ok',
        kind: 'approval',
        uses: null,
        needs: ['a', 'b'],
        approval: { roles: ['admin'], timeout: '1h', onTimeout: 'reject' },
        status: 'queued',
      },
      { id: 'onFailure[0]', kind: 'onFailure', uses: 'x/notify@^1', needs: [], status: 'queued' },
    ]);
    expect(graph.edges).toEqual([
      { from: 'a', to: 'b' },
      { from: 'a', to: 'ok' },
      { from: 'b', to: 'ok' },
    ]);
  });
});
