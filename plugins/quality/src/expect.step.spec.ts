import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { runCheck } from './checks.js';
import { expectStep } from './expect.step.js';

const rows = [
  { id: 1, email: 'a@x.io', amount: 10, at: '2026-11-27T10:00:00Z' },
  { id: 2, email: 'not-an-email', amount: -5, at: '2026-11-26T10:00:00Z' },
  { id: 2, email: null, amount: '7', at: 'yesterday' },
];
const now = Date.parse('2026-11-27T12:00:00Z');

describe('quality checks', () => {
  it('finds the rows that break each check', () => {
    expect(runCheck({ notNull: 'email', severity: 'error' }, rows, now)).toMatchObject({
      name: 'notNull(email)',
      passed: false,
      failures: 1,
      details: [2],
    });
    expect(runCheck({ unique: 'id', severity: 'error' }, rows, now)).toMatchObject({ passed: false, details: [2] });
    expect(runCheck({ unique: ['id', 'email'], severity: 'error' }, rows, now)).toMatchObject({ passed: true });
    expect(runCheck({ range: 'amount', min: 0, severity: 'error' }, rows, now)).toMatchObject({ failures: 1, details: [1] });
    expect(runCheck({ matches: 'email', pattern: '^[^@]+@[^@]+$', severity: 'warn' }, rows, now)).toMatchObject({
      severity: 'warn',
      details: [1],
    });
    expect(runCheck({ rowCount: { min: 5 }, severity: 'error' }, rows, now)).toMatchObject({ passed: false, details: ['3 rows'] });
    expect(runCheck({ schema: { id: 'integer', amount: 'number' }, severity: 'error' }, rows, now)).toMatchObject({
      failures: 1,
      details: [2],
    });
    expect(runCheck({ freshness: 'at', maxAge: '6h', severity: 'error' }, rows, now)).toMatchObject({ passed: true });
    expect(runCheck({ freshness: 'at', maxAge: '1h', severity: 'error' }, rows, now)).toMatchObject({
      passed: false,
      details: ['newest 2026-11-27T10:00:00.000Z'],
    });
  });

  it('reports every check, fails the step on errors by default, on warnings with failOn warn, never with failOn none', async () => {
    const checks = [{ notNull: 'id' }, { matches: 'email', pattern: '@', severity: 'warn' }];
    const reported = await runStepForTest(expectStep, { dataset: rows, expect: checks });
    expect(reported).toMatchObject({
      ok: true,
      outputs: { passed: true, rows: 3, checks: [{ passed: true }, { passed: false, severity: 'warn' }] },
    });
    expect(await runStepForTest(expectStep, { dataset: rows, expect: checks, failOn: 'warn' })).toMatchObject({
      ok: false,
      error: { retryable: false, stepCode: 'quality_failed' },
    });
    const hard = [{ unique: 'id' }];
    expect(await runStepForTest(expectStep, { dataset: rows, expect: hard })).toMatchObject({
      ok: false,
      error: { message: 'Quality checks failed: unique(id) (1)' },
    });
    expect(await runStepForTest(expectStep, { dataset: rows, expect: hard, failOn: 'none' })).toMatchObject({
      ok: true,
      outputs: { passed: false },
    });
  });

  it('checks a dataset passed by reference, and records it as read', async () => {
    const artifacts = { 'runs/r/rows.ndjson': rows.map((row) => JSON.stringify(row)).join('\n') };
    const checked = await runStepForTest(
      expectStep,
      { dataset: { artifact: 'runs/r/rows.ndjson' }, expect: [{ notNull: 'email' }], failOn: 'none' },
      { artifacts },
    );
    expect(checked).toMatchObject({ ok: true, outputs: { rows: 3, checks: [{ passed: false, details: [2] }] } });
    expect(checked.lineage).toEqual([{ direction: 'input', namespace: 'baton-artifacts', name: 'runs/r/rows.ndjson' }]);
    const notRows = await runStepForTest(
      expectStep,
      { dataset: { artifact: 'x' }, expect: [{ notNull: 'a' }] },
      { artifacts: { x: '1\n2\n' } },
    );
    expect(notRows).toMatchObject({ ok: false, error: { stepCode: 'invalid_dataset' } });
  });
});
