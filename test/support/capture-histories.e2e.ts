/**
 * Records the workflow histories that test/replay.e2e.ts replays. Skipped unless asked for:
 *
 *   npm run build && touch dist/.build-stamp && BATON_CAPTURE_HISTORIES=1 npx vitest run --project e2e test/support/capture-histories.e2e.ts
 *
 * `BATON_CAPTURE_ONLY=for-each,child-run` captures only those, leaving the others as they were.
 *
 * Re-capture only to cover a new kind of run, and from committed workflow code: the point of the
 * fixtures is that they were written by the code already running in production.
 */
import type { Client } from '@temporalio/client';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forEachWorkflowId } from '../../workers/contracts/index.js';
import {
  newPipeline,
  newTenant,
  savePipeline,
  startRun,
  stepOf,
  temporalClient,
  waitForRun,
  type RunView,
  type TestTenant,
} from './builders.js';

/** Local fan-outs of every kind: quick items, a slow one among quick ones, items failing together, a retried item. */
const LOCAL_FAN_OUTS: Record<string, Record<string, unknown>> = {
  quick: { uses: 'core/echo@^1', forEach: [1, 2, 3, 4, 5], maxParallel: 2, with: { i: '${{ item }}' } },
  mixed: { uses: 'core/sleep@^1', forEach: [10, 400, 20], maxParallel: 2, with: { ms: '${{ item }}' }, execution: 'local' },
  broken: {
    uses: 'core/fail@^1',
    forEach: [1, 2, 3, 4],
    maxParallel: 3,
    with: { message: 'no', retryable: false },
    retry: { maxAttempts: 1 },
    continueOnError: true,
  },
  flaky: {
    uses: 'core/fail@^1',
    forEach: [1],
    with: { message: 'again', retryable: true },
    retry: { maxAttempts: 2, initialInterval: '100ms' },
    continueOnError: true,
  },
};

const HISTORIES_DIR = fileURLToPath(new URL('../fixtures/histories/', import.meta.url));

interface Capture {
  steps: Record<string, Record<string, unknown>>;
  extra?: Record<string, unknown>;
  body?: Record<string, unknown>;
  status: string;
  /** Runs before the pipeline is saved, e.g. to save the pipelines it runs. */
  before?: (tenant: TestTenant) => Promise<void>;
  /** Runs once the run has started, before waiting for it to end. */
  whileRunning?: (tenant: TestTenant, id: string) => Promise<void>;
  /** Other workflows of the run to capture too (child workflows), by file suffix. */
  related?: (tenant: TestTenant, id: string) => Promise<Record<string, string>>;
}

const CAPTURES: Record<string, Capture> = {
  diamond: {
    steps: {
      left: { uses: 'core/echo@^1', with: { value: '${{ inputs.word }}', n: 2 } },
      right: { uses: 'core/sleep@^1', with: { ms: 200 } },
      total: { uses: 'transform/jsonata@^1', with: { expression: '$sum(items)', data: { items: [1, 2, 3] } } },
      join: {
        uses: 'core/echo@^1',
        needs: ['left', 'right', 'total'],
        with: {
          sentence: '${{ steps.left.outputs.value }} slept ${{ steps.right.outputs.sleptMs }}ms',
          doubled: '${{ steps.left.outputs.n * 2 }}',
          total: '${{ steps.total.outputs.result }}',
        },
      },
    },
    extra: {
      inputs: { word: { type: 'string' } },
      required: ['word'],
      outputs: {
        sentence: '${{ steps.join.outputs.sentence }}',
        doubled: '${{ steps.join.outputs.doubled }}',
        total: '${{ steps.join.outputs.total }}',
      },
    },
    body: { inputs: { word: 'baton' } },
    status: 'succeeded',
  },
  'non-retryable-failure': {
    steps: {
      boom: { uses: 'core/fail@^1', with: { message: 'warehouse is on fire', retryable: false } },
      after: { uses: 'core/echo@^1', needs: ['boom'], with: {} },
      later: { uses: 'core/echo@^1', needs: ['after'], with: {} },
      independent: { uses: 'core/echo@^1', with: { ok: true } },
    },
    status: 'failed',
  },
  'retry-then-succeed': {
    steps: {
      flaky: { uses: 'core/fail@^1', with: { message: 'transient', times: 1 }, retry: { maxAttempts: 3, initialInterval: '100ms' } },
    },
    status: 'succeeded',
  },
  'step-timeout': {
    steps: { nap: { uses: 'core/sleep@^1', with: { ms: 30_000 }, timeout: '1s', retry: { maxAttempts: 1 } } },
    status: 'failed',
  },
  'if-false-skips': {
    steps: {
      check: { uses: 'core/echo@^1', with: { passed: false } },
      publish: { uses: 'core/echo@^1', needs: ['check'], if: '${{ steps.check.outputs.passed }}', with: {} },
      announce: { uses: 'core/echo@^1', needs: ['publish'], with: {} },
      never: { uses: 'core/echo@^1', if: false, with: {} },
      always: { uses: 'core/echo@^1', needs: ['check', 'never'], with: {} },
    },
    status: 'succeeded',
  },
  cancelled: {
    steps: { nap: { uses: 'core/sleep@^1', with: { ms: 60_000 } }, after: { uses: 'core/echo@^1', needs: ['nap'], with: {} } },
    status: 'cancelled',
    async whileRunning(tenant, id) {
      await waitForRun(tenant, id, (r) => stepOf(r, 'nap').status === 'running');
      await tenant.post(`/v1/runs/${id}/cancel`).expect(202);
    },
  },
  'run-timeout': {
    steps: { nap: { uses: 'core/sleep@^1', with: { ms: 60_000 } }, after: { uses: 'core/echo@^1', needs: ['nap'], with: {} } },
    extra: { timeout: '2s' },
    status: 'timed_out',
  },
  'for-each': {
    steps: {
      list: { uses: 'core/echo@^1', with: { waits: [200, 20, 100, 20, 50] } },
      nap: {
        uses: 'core/sleep@^1',
        needs: ['list'],
        forEach: '${{ steps.list.outputs.waits }}',
        maxParallel: 2,
        with: { ms: '${{ item }}' },
      },
      flaky: {
        uses: 'core/fail@^1',
        forEach: [0, 1],
        retry: { maxAttempts: 2, initialInterval: '100ms' },
        with: { message: 'transient', times: '${{ item }}' },
      },
      total: { uses: 'core/echo@^1', needs: ['nap', 'flaky'], with: { sum: '${{ $sum(steps.nap.outputs.sleptMs) }}' } },
    },
    status: 'succeeded',
    related: async (_tenant, id) => ({ nap: forEachWorkflowId(id, 'nap'), flaky: forEachWorkflowId(id, 'flaky') }),
  },
  'for-each-fails-fast': {
    steps: { mixed: { uses: 'core/sleep@^1', forEach: [60_000, 60_000, -1], maxParallel: 3, with: { ms: '${{ item }}' } } },
    status: 'failed',
    related: async (_tenant, id) => ({ mixed: forEachWorkflowId(id, 'mixed') }),
  },
  'child-run': {
    before: (tenant) =>
      savePipeline(
        tenant,
        newPipeline(
          'replay-child',
          { double: { uses: 'transform/jsonata@^1', with: { expression: 'n * 2', data: { n: '${{ inputs.n }}' } } } },
          {
            inputs: { n: { type: 'integer' } },
            outputs: { value: '${{ steps.double.outputs.result }}' },
          },
        ),
      ),
    steps: {
      call: { uses: 'pipeline/run@^1', with: { pipeline: 'replay-child', inputs: { n: 21 } } },
      ghost: { uses: 'pipeline/run@^1', with: { pipeline: 'no-such-pipeline' }, continueOnError: true },
      after: { uses: 'core/echo@^1', needs: ['call'], with: { got: '${{ steps.call.outputs.outputs.value }}' } },
    },
    status: 'succeeded',
    related: async (tenant, id) => ({ child: (await tenant.get(`/v1/runs?parentRunId=${id}`).expect(200)).body.items[0].id }),
  },
  // Light steps: in the workflow (core/echo), local activities (core/log, execution: local) with a
  // retry, an activity beside them, and fan-outs of each kind.
  'light-steps': {
    steps: {
      first: { uses: 'core/echo@^1', with: { n: 1 } },
      second: { uses: 'core/echo@^1', needs: ['first'], with: { n: '${{ steps.first.outputs.n + 1 }}' } },
      note: { uses: 'core/log@^1', needs: ['second'], with: { message: 'n is ${{ steps.second.outputs.n }}' } },
      flaky: {
        uses: 'core/fail@^1',
        needs: ['second'],
        with: { message: 'transient', times: 1 },
        retry: { maxAttempts: 2, initialInterval: '100ms' },
      },
      nap: { uses: 'core/sleep@^1', needs: ['second'], with: { ms: 50 }, execution: 'local' },
      slow: { uses: 'core/sleep@^1', needs: ['second'], with: { ms: 50 } },
      echoed: { uses: 'core/echo@^1', forEach: [1, 2, 3], with: { i: '${{ item }}' } },
      naps: { uses: 'core/sleep@^1', forEach: [10, 20, 30], maxParallel: 2, with: { ms: '${{ item }}' }, execution: 'local' },
      last: { uses: 'core/echo@^1', needs: ['note', 'flaky', 'nap', 'slow', 'echoed', 'naps'], with: { done: true } },
    },
    status: 'succeeded',
    related: async (_tenant, id) => ({ echoed: forEachWorkflowId(id, 'echoed'), naps: forEachWorkflowId(id, 'naps') }),
  },
  // Local fan-outs that record their items' events in batches (item-batches): quick items, an item
  // whose start the activity records (past 250 ms), and items failing together.
  'item-batches': {
    steps: { quick: LOCAL_FAN_OUTS.quick, mixed: LOCAL_FAN_OUTS.mixed, broken: LOCAL_FAN_OUTS.broken },
    status: 'succeeded',
    related: async (_tenant, id) => ({
      quick: forEachWorkflowId(id, 'quick'),
      mixed: forEachWorkflowId(id, 'mixed'),
      broken: forEachWorkflowId(id, 'broken'),
    }),
  },
  // Local fan-outs run many items to a local activity (item-chunks): quick items, a slow one among
  // quick ones, items failing together, and an item retried inside its chunk before it fails.
  // Captured while they still ran as child workflows, as a run begun before local-fan-out-inline does.
  'item-chunks': {
    steps: LOCAL_FAN_OUTS,
    status: 'succeeded',
    related: async (_tenant, id) =>
      Object.fromEntries(Object.keys(LOCAL_FAN_OUTS).map((stepId) => [stepId, forEachWorkflowId(id, stepId)])),
  },
  // The same, since local fan-outs run in the run's own workflow (local-fan-out-inline): one history.
  'local-fan-out-inline': { steps: LOCAL_FAN_OUTS, status: 'succeeded' },
  'continue-on-error': {
    steps: {
      optional: { uses: 'core/fail@^1', with: { message: 'nice to have', retryable: false }, continueOnError: true },
      report: { uses: 'core/echo@^1', needs: ['optional'], with: { optional: '${{ steps.optional.status }}' } },
    },
    status: 'succeeded',
  },
};

// Not @temporalio/common's historyToJSON: with grpc's protobufjs 7 hoisted, npm gives common and proto
// separate copies of protobufjs 8, and common's `instanceof Type` rejects proto's types.
const require = createRequire(import.meta.url);
const protoPath = require.resolve('@temporalio/proto');
const { toJson } = createRequire(protoPath)('protobufjs/ext/protojson');
const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root');
const historyType = patchProtobufRoot(require(protoPath)).lookupType('temporal.api.history.v1.History');

/** Identities, sticky queues and stack traces name the capturing machine and its paths; replay reads none of them. */
function anonymise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(anonymise);
  if (!value || typeof value !== 'object') return value;
  const sticky = (value as { kind?: unknown }).kind === 'TASK_QUEUE_KIND_STICKY';
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === 'identity' || key === 'stackTrace' ? '' : sticky && key === 'name' ? 'sticky' : anonymise(inner),
    ]),
  );
}

const historyToJSON = (history: unknown) => JSON.stringify(anonymise(toJson(historyType, historyType.fromObject(history))), null, 2);

describe.skipIf(!process.env.BATON_CAPTURE_HISTORIES)('capture workflow histories', () => {
  let tenant: TestTenant;
  let client: Client;
  beforeAll(async () => {
    tenant = await newTenant();
    client = await temporalClient();
    mkdirSync(HISTORIES_DIR, { recursive: true });
  });
  afterAll(() => client?.connection.close());

  const only = process.env.BATON_CAPTURE_ONLY?.split(',');
  for (const [name, capture] of Object.entries(CAPTURES).filter(([name]) => !only || only.includes(name))) {
    it(name, async () => {
      const pipeline = `replay-${name}`;
      await capture.before?.(tenant);
      await savePipeline(tenant, newPipeline(pipeline, capture.steps, capture.extra));
      const id = await startRun(tenant, pipeline, capture.body);
      await capture.whileRunning?.(tenant, id);
      const run: RunView = await waitForRun(tenant, id);
      expect(run.status, JSON.stringify(run)).toBe(capture.status);
      // The run row turns terminal before the workflow closes; wait for the history's last event.
      const handle = client.workflow.getHandle(id);
      await handle.result().catch(() => undefined);
      writeFileSync(join(HISTORIES_DIR, `${name}.json`), `${historyToJSON(await handle.fetchHistory())}\n`);
      for (const [suffix, workflowId] of Object.entries((await capture.related?.(tenant, id)) ?? {})) {
        const related = client.workflow.getHandle(workflowId);
        await related.result().catch(() => undefined);
        writeFileSync(join(HISTORIES_DIR, `${name}.${suffix}.json`), `${historyToJSON(await related.fetchHistory())}\n`);
      }
    });
  }
});
