import { describe, expect, it } from 'vitest';
import { toGantt } from './gantt-bars';
import { newStep } from './run-fixtures';

const at = (seconds: number) => new Date(Date.UTC(2025, 4, 1, 10, 0, seconds)).toISOString();

describe(toGantt.name, () => {
  it('draws each attempt as its own bar, retries after the first, with the queue wait before each', () => {
    const gantt = toGantt(
      [
        newStep({
          id: 'extract',
          status: 'succeeded',
          attempt: 2,
          attempts: [
            {
              attempt: 1,
              queuedAt: at(0),
              startedAt: at(10),
              endedAt: at(20),
              status: 'failed',
              error: { message: 'connection reset', code: 'step_failed' },
            },
            { attempt: 2, queuedAt: at(30), startedAt: at(30), endedAt: at(40), status: 'succeeded' },
          ],
        }),
        newStep({
          id: 'load',
          status: 'running',
          attempts: [{ attempt: 1, queuedAt: null, startedAt: at(60), endedAt: null, status: 'running' }],
        }),
      ],
      Date.parse(at(100)),
    );
    expect(gantt.startMs).toBe(Date.parse(at(0)));
    expect(gantt.endMs).toBe(Date.parse(at(100)));
    const [extract, load] = gantt.rows;
    expect(extract.retries).toBe(1);
    expect(extract.bars.map((b) => [b.attempt, b.status, b.queued, b.ran])).toEqual([
      [1, 'failed', { left: 0, width: 10 }, { left: 10, width: 10 }],
      [2, 'succeeded', null, { left: 30, width: 10 }],
    ]);
    expect(extract.bars[0].label).toBe('extract, attempt 1: failed, ran 10.0 s, queued 10.0 s — connection reset');
    // Still running: it ends at `now`.
    expect(load.bars[0].ran).toEqual({ left: 60, width: 40 });
  });

  it('summarises a forEach step as one bar over its items, with their counts and retries', () => {
    const gantt = toGantt(
      [
        newStep({
          id: 'score',
          status: 'failed',
          items: { total: 3, succeeded: 2, failed: 1 },
          attempts: [
            { attempt: 1, item: 0, queuedAt: null, startedAt: at(0), endedAt: at(5), status: 'succeeded' },
            { attempt: 1, item: 1, queuedAt: null, startedAt: at(1), endedAt: at(4), status: 'failed' },
            { attempt: 2, item: 1, queuedAt: null, startedAt: at(6), endedAt: at(8), status: 'failed' },
            { attempt: 1, item: 2, queuedAt: null, startedAt: at(2), endedAt: at(10), status: 'succeeded' },
          ],
        }),
      ],
      Date.parse(at(50)),
    );
    const [row] = gantt.rows;
    expect(row.items).toEqual({ total: 3, succeeded: 2, failed: 1 });
    expect(row.retries).toBe(1);
    expect(row.bars).toHaveLength(1);
    expect(row.bars[0]).toMatchObject({ status: 'failed', ran: { left: 0, width: 100 } });
    expect(row.bars[0].label).toBe('score: 3 items, 2 succeeded, 1 failed, 1 retries, 10.0 s');
  });

  it('keeps a step without attempts as a row without bars, and widens a bar too thin to see', () => {
    const gantt = toGantt(
      [
        newStep({ id: 'long', attempts: [{ attempt: 1, queuedAt: null, startedAt: at(0), endedAt: at(59), status: 'succeeded' }] }),
        newStep({ id: 'blip', attempts: [{ attempt: 1, queuedAt: null, startedAt: at(59), endedAt: at(59), status: 'succeeded' }] }),
        newStep({ id: 'never', status: 'skipped', startedAt: null, endedAt: null }),
      ],
      Date.parse(at(59)),
    );
    expect(gantt.rows.map((r) => r.bars.length)).toEqual([1, 1, 0]);
    expect(gantt.rows[1].bars[0].ran.width).toBeGreaterThan(0);
    expect(gantt.rows[1].bars[0].ran.left + gantt.rows[1].bars[0].ran.width).toBeLessThanOrEqual(100);
  });
});
