import { describe, expect, it } from 'vitest';
import { findCycle, isComplete, nextActions, runOutcome, topologicalOrder, type GraphSteps, type StepStates } from './graph.js';

const diamond: GraphSteps = {
  extract: {},
  check: { needs: ['extract'] },
  'per-region': { needs: ['extract'] },
  publish: { needs: ['check', 'per-region'] },
};

const pendingAll = (steps: GraphSteps, states: StepStates = {}): StepStates => ({
  ...Object.fromEntries(Object.keys(steps).map((id) => [id, 'pending' as const])),
  ...states,
});

describe('findCycle', () => {
  it('returns null for acyclic graphs', () => {
    expect(findCycle(diamond)).toBeNull();
    expect(findCycle({ a: { needs: ['unknown'] } })).toBeNull();
  });

  it('returns the ids along a cycle', () => {
    expect(findCycle({ a: { needs: ['b'] }, b: { needs: ['c'] }, c: { needs: ['a'] }, d: {} })).toEqual(['a', 'b', 'c']);
    expect(findCycle({ root: {}, a: { needs: ['root', 'b'] }, b: { needs: ['a'] } })).toEqual(['a', 'b']);
    expect(findCycle({ self: { needs: ['self'] } })).toEqual(['self']);
  });

  it('does not mistake prototype names for steps', () => {
    expect(findCycle({ constructor: { needs: ['toString'] } })).toBeNull();
  });
});

describe('topologicalOrder', () => {
  it('orders a diamond with ties in definition order', () => {
    expect(topologicalOrder(diamond)).toEqual(['extract', 'check', 'per-region', 'publish']);
  });

  it('places a step as soon as its needs are placed, before later-defined ready steps', () => {
    const steps: GraphSteps = { late: { needs: ['b'] }, a: {}, b: { needs: ['a'] }, c: {} };
    expect(topologicalOrder(steps)).toEqual(['a', 'b', 'late', 'c']);
  });

  it('keeps independent branches in definition order', () => {
    expect(topologicalOrder({ z: {}, y: {}, x: { needs: ['z'] } })).toEqual(['z', 'y', 'x']);
  });

  it('throws on a cycle', () => {
    expect(() => topologicalOrder({ a: { needs: ['b'] }, b: { needs: ['a'] } })).toThrow(/cycle/);
  });
});

describe('nextActions', () => {
  it('starts every step without needs at once', () => {
    const steps: GraphSteps = { a: {}, b: {}, c: { needs: ['a'] } };
    expect(nextActions(steps, pendingAll(steps))).toEqual({ run: ['a', 'b'], skip: [] });
  });

  it('runs parallel branches of a diamond and joins them', () => {
    expect(nextActions(diamond, pendingAll(diamond, { extract: 'succeeded' })).run).toEqual(['check', 'per-region']);
    expect(nextActions(diamond, pendingAll(diamond, { extract: 'succeeded', check: 'succeeded', 'per-region': 'running' })).run).toEqual(
      [],
    );
    const joined = pendingAll(diamond, { extract: 'succeeded', check: 'succeeded', 'per-region': 'succeeded' });
    expect(nextActions(diamond, joined)).toEqual({ run: ['publish'], skip: [] });
  });

  it('waits while needs are running and never reschedules running steps', () => {
    const states = pendingAll(diamond, { extract: 'running' });
    expect(nextActions(diamond, states)).toEqual({ run: [], skip: [] });
    expect(nextActions(diamond, { ...states, extract: 'succeeded', check: 'running' }).run).toEqual(['per-region']);
  });

  it('skips the whole chain below a failed step', () => {
    const chain: GraphSteps = { a: {}, b: { needs: ['a'] }, c: { needs: ['b'] }, d: { needs: ['c'] }, other: {} };
    expect(nextActions(chain, pendingAll(chain, { a: 'failed', other: 'running' }))).toEqual({
      run: [],
      skip: [
        { stepId: 'b', reason: 'needs a, which failed' },
        { stepId: 'c', reason: 'every step it needs was skipped' },
        { stepId: 'd', reason: 'every step it needs was skipped' },
      ],
    });
  });

  it('treats timed out and cancelled needs as failures', () => {
    const steps: GraphSteps = { a: {}, b: {}, x: { needs: ['a'] }, y: { needs: ['b'] } };
    expect(nextActions(steps, pendingAll(steps, { a: 'timed_out', b: 'cancelled' })).skip).toEqual([
      { stepId: 'x', reason: 'needs a, which timed out' },
      { stepId: 'y', reason: 'needs b, which was cancelled' },
    ]);
  });

  it('runs steps after a failed need that has continueOnError', () => {
    const steps: GraphSteps = {
      flaky: { continueOnError: true },
      strict: {},
      after: { needs: ['flaky'] },
      both: { needs: ['flaky', 'strict'] },
    };
    const states = pendingAll(steps, { flaky: 'failed', strict: 'failed' });
    expect(nextActions(steps, states)).toEqual({ run: ['after'], skip: [{ stepId: 'both', reason: 'needs strict, which failed' }] });
  });

  it('skips steps that need only skipped steps, but runs those with one finished need', () => {
    const steps: GraphSteps = { a: {}, b: {}, onlySkipped: { needs: ['a'] }, mixed: { needs: ['a', 'b'] } };
    expect(nextActions(steps, pendingAll(steps, { a: 'skipped', b: 'succeeded' }))).toEqual({
      run: ['mixed'],
      skip: [{ stepId: 'onlySkipped', reason: 'every step it needs was skipped' }],
    });
  });

  it('propagates skips through a diamond in one call', () => {
    const states = pendingAll(diamond, { extract: 'skipped' });
    expect(nextActions(diamond, states).skip.map((s) => s.stepId)).toEqual(['check', 'per-region', 'publish']);
  });

  it('runs a join when one branch failed with continueOnError and the other was skipped', () => {
    const steps: GraphSteps = { a: { continueOnError: true }, b: {}, join: { needs: ['a', 'b'] } };
    expect(nextActions(steps, pendingAll(steps, { a: 'failed', b: 'skipped' })).run).toEqual(['join']);
  });

  it('does not change the states it is given', () => {
    const states = pendingAll(diamond, { extract: 'failed' });
    nextActions(diamond, states);
    expect(states.check).toBe('pending');
  });
});

describe('isComplete', () => {
  it('is true only when no step is pending or running', () => {
    expect(isComplete({ a: 'succeeded', b: 'skipped', c: 'failed', d: 'cancelled', e: 'timed_out' })).toBe(true);
    expect(isComplete({ a: 'succeeded', b: 'running' })).toBe(false);
    expect(isComplete({ a: 'pending' })).toBe(false);
  });
});

describe('runOutcome', () => {
  it('fails the run when a step failed or timed out without continueOnError', () => {
    const steps: GraphSteps = { a: {}, b: { continueOnError: true }, c: {}, d: {} };
    expect(runOutcome(steps, { a: 'succeeded', b: 'failed', c: 'skipped', d: 'succeeded' })).toEqual({
      status: 'succeeded',
      failedSteps: [],
    });
    expect(runOutcome(steps, { a: 'timed_out', b: 'failed', c: 'skipped', d: 'failed' })).toEqual({
      status: 'failed',
      failedSteps: ['a', 'd'],
    });
  });
});
