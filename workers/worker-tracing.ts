import {
  makeWorkflowExporter,
  OpenTelemetryActivityInboundInterceptor,
  OpenTelemetryActivityOutboundInterceptor,
  type OpenTelemetrySinks,
} from '@temporalio/interceptors-opentelemetry';
import type { ActivityInterceptorsFactory, InjectedSinks, WorkerOptions } from '@temporalio/worker';
import { fileURLToPath } from 'node:url';
import type { Tracing } from '../src/runtime/tracing/tracing.js';

/** Bundled into every worker's workflow code, tracing on or off (see the module for why). */
export const WORKFLOW_INTERCEPTOR_MODULES = [fileURLToPath(new URL('./workflows/tracing.interceptors.js', import.meta.url))];

/**
 * Activities continue the workflow's trace; spans made inside workflows reach this process's
 * exporter through a sink. Without tracing, the workflows' spans are dropped at the sink.
 */
export function tracingWorkerOptions(
  tracing: Tracing | undefined,
): Pick<WorkerOptions, 'sinks'> & { activityInterceptors: ActivityInterceptorsFactory[] } {
  if (!tracing)
    return {
      sinks: { exporter: { export: { fn: () => undefined } } } satisfies InjectedSinks<OpenTelemetrySinks>,
      activityInterceptors: [],
    };
  return {
    sinks: { exporter: makeWorkflowExporter(tracing.spanProcessor, tracing.resource) } satisfies InjectedSinks<OpenTelemetrySinks>,
    activityInterceptors: [
      (ctx) => ({ inbound: new OpenTelemetryActivityInboundInterceptor(ctx), outbound: new OpenTelemetryActivityOutboundInterceptor(ctx) }),
    ],
  };
}
