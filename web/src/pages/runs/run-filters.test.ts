import { describe, expect, it } from 'vitest';
import { fromLocalInput, hasFilters, parseRunsSearch, toLocalInput, toRunListQuery } from './run-filters';
import { mergeRuns } from './run-list-merge';
import { newRunSummary } from './run-fixtures';

describe('runs filters in the URL', () => {
  it('reads the filters a link may hold, keeping what the API knows and dropping the rest', () => {
    expect(
      parseRunsSearch({
        status: ['failed', 'bogus', 'queued', 'failed'],
        pipeline: ' nightly-etl ',
        trigger: 'webhook',
        from: '2025-05-01T10:00:00+02:00',
        to: 'not a date',
        error: '  timeout ',
        unknown: 'x',
      }),
    ).toEqual({
      status: ['queued', 'failed'],
      pipeline: 'nightly-etl',
      trigger: 'webhook',
      from: '2025-05-01T08:00:00.000Z',
      error: 'timeout',
    });
    // Written by hand: a comma list, and values the router parsed as JSON (a number).
    expect(parseRunsSearch({ status: 'cancelled,timed_out', pipeline: 2024, trigger: 'manual' })).toEqual({
      status: ['cancelled', 'timed_out'],
      pipeline: '2024',
    });
    expect(parseRunsSearch({ status: '', error: '   ' })).toEqual({});
  });

  it('sends the filters as GET /v1/runs takes them', () => {
    expect(toRunListQuery({ status: ['failed', 'running'], pipeline: 'etl', error: 'disk full' })).toEqual({
      status: ['running', 'failed'],
      pipeline: 'etl',
      error: 'disk full',
    });
    expect(toRunListQuery({ status: [] })).toEqual({});
    expect(hasFilters({ status: [] })).toBe(false);
    expect(hasFilters({ trigger: 'schedule' })).toBe(true);
  });

  it('shows an instant in a datetime-local input and reads it back', () => {
    const iso = fromLocalInput('2025-05-01T10:30')!;
    expect(new Date(iso).getHours()).toBe(10);
    expect(toLocalInput(iso)).toBe('2025-05-01T10:30');
    expect(fromLocalInput('')).toBeUndefined();
    expect(toLocalInput(undefined)).toBe('');
  });
});

describe(mergeRuns.name, () => {
  const at = (minute: number) => new Date(Date.UTC(2025, 4, 1, 10, minute)).toISOString();
  const a = newRunSummary({ createdAt: at(5) });
  const b = newRunSummary({ createdAt: at(4), status: 'running' });
  const c = newRunSummary({ createdAt: at(3) });
  const d = newRunSummary({ createdAt: at(2) });

  it('puts the polled newest runs over the scrolled pages, replacing their older copies', () => {
    const fresh = { ...b, status: 'succeeded' as const };
    const merged = mergeRuns({ items: [a, fresh], nextCursor: 'x' }, [
      { items: [b, c], nextCursor: 'y' },
      { items: [d], nextCursor: null },
    ]);
    expect(merged).toEqual({ rows: [a, fresh, c, d], gap: false });
  });

  it('drops a run that left the filter, and tells when more runs started than one poll holds', () => {
    // Filtered on running: b ended, so the head (all there is) no longer has it.
    expect(mergeRuns({ items: [a], nextCursor: null }, [{ items: [b, a], nextCursor: null }]).rows).toEqual([a]);
    expect(mergeRuns({ items: [a, b], nextCursor: 'x' }, [{ items: [c, d], nextCursor: null }])).toEqual({ rows: [c, d], gap: true });
  });
});
