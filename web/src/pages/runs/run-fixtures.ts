import type { RunStep, RunSummary, RunView } from './run-types';

/** Builders for the API's run shapes in tests: a plausible default, overridden where a test cares. */
export function newRunSummary(overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    id: crypto.randomUUID(),
    pipeline: 'nightly-etl',
    version: 3,
    status: 'succeeded',
    trigger: 'schedule',
    retryOf: null,
    parentRunId: null,
    scheduleId: null,
    createdAt: '2025-05-01T10:00:00.000Z',
    startedAt: '2025-05-01T10:00:01.000Z',
    endedAt: '2025-05-01T10:02:01.000Z',
    error: null,
    ...overrides,
  };
}

export function newStep(overrides: Partial<RunStep> = {}): RunStep {
  return {
    id: 'extract',
    uses: 'postgres/query@1',
    status: 'succeeded',
    attempt: 1,
    startedAt: '2025-05-01T10:00:00.000Z',
    endedAt: '2025-05-01T10:00:10.000Z',
    outputs: null,
    input: null,
    error: null,
    attempts: [],
    ...overrides,
  };
}

export function newRunView(overrides: Partial<RunView> = {}): RunView {
  return {
    ...newRunSummary(),
    error: null,
    inputs: {},
    outputs: null,
    steps: [],
    queueWaitMs: null,
    triggeredBy: null,
    graph: null,
    ...overrides,
  };
}
