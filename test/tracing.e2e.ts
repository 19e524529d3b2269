import { Worker } from '@temporalio/worker';
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  newPipeline,
  newTenant,
  savePipeline,
  temporalClient,
  uniqueName,
  until,
  waitForRun,
  type TestTenant,
} from './support/builders.js';
import { isolatedInstallation, type IsolatedInstallation } from './support/isolated-stack.js';
import { OtlpReceiver, SPAN_KIND, type ReceivedSpan } from './support/otlp-receiver.js';
import { freePort, spawnBaton, waitForHttp, type BatonProcess } from './support/processes.js';

const RUN_START_ROUTE = 'POST /v1/pipelines/:name/runs';
const BUNDLE_PATH = fileURLToPath(new URL('../dist/workers/workflow-bundle.js', import.meta.url));

/**
 * The stack's own API and worker do not trace: this file starts a second pair beside them, an
 * installation of its own on the stack's servers, exporting to an OTLP receiver in the test process.
 */
describe('tracing', () => {
  const receiver = new OtlpReceiver();
  /** The traceparent headers the HTTP step's target received. */
  const received: string[] = [];
  let target: Server;
  let targetUrl: string;
  let processes: BatonProcess[] = [];
  let tenant: TestTenant;
  let installation: IsolatedInstallation | undefined;

  beforeAll(async () => {
    installation = await isolatedInstallation();
    await receiver.start();
    target = createServer((request, response) => {
      received.push(String(request.headers.traceparent ?? ''));
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetUrl = `http://127.0.0.1:${(target.address() as AddressInfo).port}/hello`;

    const port = await freePort();
    const env = {
      ...inject('apiEnv'),
      DATABASE_URL: installation.databaseUrl,
      TEMPORAL_NAMESPACE: installation.namespace,
      PORT: String(port),
      TEMPORAL_TASK_QUEUE: `baton-tracing-${randomUUID().slice(0, 8)}`,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
    };
    processes = [spawnBaton('api', env), spawnBaton('worker', env)];
    const baseUrl = `http://127.0.0.1:${port}`;
    try {
      await waitForHttp(`${baseUrl}/readyz`, 60_000, () => processes.every((p) => p.child.exitCode === null));
    } catch (error) {
      for (const p of processes) console.error(p.output());
      throw error;
    }
    tenant = await newTenant(baseUrl);
  });

  afterAll(async () => {
    await Promise.all(processes.map((p) => p.stop()));
    await installation?.drop();
    target?.closeAllConnections();
    await new Promise((resolve) => target?.close(resolve));
    await receiver.stop();
  });

  /** Starts a run of a pipeline that calls the target, then logs; waits for it to succeed. */
  async function tracedRun(headers: Record<string, string> = {}): Promise<{ runId: string; pipeline: string }> {
    const pipeline = uniqueName('traced');
    await savePipeline(
      tenant,
      newPipeline(pipeline, {
        call: { uses: 'http/request@^1', with: { url: targetUrl }, retry: { maxAttempts: 1 } },
        // An activity: a core/echo the workflow carries out itself runs no step code, so has no step span.
        after: { uses: 'core/echo@^1', needs: ['call'], with: { status: '${{ steps.call.outputs.status }}' }, execution: 'activity' },
      }),
    );
    const started = tenant.post(`/v1/pipelines/${pipeline}/runs`, {});
    for (const [name, value] of Object.entries(headers)) started.set(name, value);
    const response = await started;
    expect(response.status, JSON.stringify(response.body)).toBe(202);
    const run = await waitForRun(tenant, response.body.id);
    expect(run.status, JSON.stringify(run)).toBe('succeeded');
    return { runId: run.id, pipeline };
  }

  /** The run's trace once every span in it has arrived: both steps, the workflow, and no parent missing. */
  async function traceOf(pipeline: string): Promise<{ root: ReceivedSpan; spans: ReceivedSpan[] }> {
    let root: ReceivedSpan | undefined;
    let spans: ReceivedSpan[] = [];
    await until(async () => {
      root = receiver.spans.find((s) => s.name === RUN_START_ROUTE && s.attributes['url.path'] === `/v1/pipelines/${pipeline}/runs`);
      if (!root) return false;
      spans = receiver.trace(root.traceId);
      const ids = new Set(spans.map((s) => s.spanId));
      const names = spans.map((s) => s.name);
      return (
        ['RunWorkflow:runPipeline', 'step http/request@^1', 'step core/echo@^1'].every((n) => names.includes(n)) &&
        spans.every((s) => s === root || (s.parentSpanId !== undefined && ids.has(s.parentSpanId)))
      );
    }, 20_000).catch((error: Error) => {
      throw new Error(
        `${error.message}: spans of ${pipeline}'s run: ${JSON.stringify(root ? receiver.trace(root.traceId).map((s) => [s.name, s.spanId, s.parentSpanId]) : [])}`,
      );
    });
    return { root: root!, spans };
  }

  const ancestry = (span: ReceivedSpan, spans: ReceivedSpan[]): string[] => {
    const parent = spans.find((s) => s.spanId === span.parentSpanId);
    return parent ? [parent.name, ...ancestry(parent, spans)] : [];
  };

  it('follows a run from the API request through the Temporal client, workflow and activities into the steps, as one trace', async () => {
    const { runId, pipeline } = await tracedRun();
    const { root, spans } = await traceOf(pipeline);

    expect(root).toMatchObject({
      kind: SPAN_KIND.server,
      service: 'baton-api',
      parentSpanId: undefined,
      attributes: { 'http.route': '/v1/pipelines/:name/runs', 'http.response.status_code': 202 },
    });
    // Everything recorded about the run is in the request's trace, and hangs off the request.
    expect(receiver.spans.filter((s) => s.attributes['baton.run.id'] === runId).every((s) => s.traceId === root.traceId)).toBe(true);
    expect(spans.filter((s) => !s.parentSpanId)).toEqual([root]);
    expect(new Set(spans.map((s) => s.service))).toEqual(new Set(['baton-api', 'baton-worker']));
    expect(spans.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'StartWorkflow:runPipeline',
        'RunWorkflow:runPipeline',
        'StartActivity:executeStep',
        'RunActivity:executeStep',
      ]),
    );

    const call = spans.find((s) => s.name === 'step http/request@^1')!;
    expect(call.attributes).toEqual({
      'baton.tenant.id': tenant.tenantId,
      'baton.run.id': runId,
      'baton.step.id': 'call',
      'baton.step.uses': 'http/request@^1',
      'baton.step.attempt': 1,
    });
    expect(ancestry(call, spans)).toEqual([
      'RunActivity:executeStep',
      'StartActivity:executeStep',
      'RunWorkflow:runPipeline',
      'StartWorkflow:runPipeline',
      RUN_START_ROUTE,
    ]);
    const after = spans.find((s) => s.name === 'step core/echo@^1')!;
    expect(after.attributes).toMatchObject({ 'baton.run.id': runId, 'baton.step.id': 'after' });
    expect(ancestry(after, spans).slice(-3)).toEqual(['RunWorkflow:runPipeline', 'StartWorkflow:runPipeline', RUN_START_ROUTE]);

    // The step's own request carried the trace on, as a child of the step's span.
    expect(received.at(-1)).toBe(`00-${root.traceId}-${call.spanId}-01`);

    // The workflow's spans draw on its seeded random numbers: a traced run must replay as it ran.
    const temporal = await temporalClient(installation!.namespace);
    try {
      const history = await temporal.workflow.getHandle(runId).fetchHistory();
      await Worker.runReplayHistory(
        { workflowBundle: { codePath: BUNDLE_PATH }, sinks: { exporter: { export: { fn: () => undefined } } } },
        history,
        runId,
      );
    } finally {
      await temporal.connection.close();
    }
  });

  it("gives every run a trace of its own, and continues the caller's trace when the request has a traceparent", async () => {
    const first = await tracedRun();
    const second = await tracedRun();
    const callerTrace = randomBytes(16).toString('hex');
    const callerSpan = randomBytes(8).toString('hex');
    const third = await tracedRun({ traceparent: `00-${callerTrace}-${callerSpan}-01` });

    const [a, b, c] = [await traceOf(first.pipeline), await traceOf(second.pipeline), await traceOf(third.pipeline)];
    expect(a.root.traceId).not.toBe(b.root.traceId);
    expect(c.root).toMatchObject({ traceId: callerTrace, parentSpanId: callerSpan });
    expect(c.spans.some((s) => s.attributes['baton.run.id'] === third.runId && s.name === 'step http/request@^1')).toBe(true);
  });
});
