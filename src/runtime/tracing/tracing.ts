import type { Tracer } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { Resource } from '@opentelemetry/resources';
import { BatchSpanProcessor, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import type { ClientInterceptors } from '@temporalio/client';
import { OpenTelemetryWorkflowClientInterceptor } from '@temporalio/interceptors-opentelemetry';
import type { BatonEnv } from '../config/config.js';

export type TracingConfig = Pick<BatonEnv, 'OTEL_EXPORTER_OTLP_ENDPOINT' | 'OTEL_SERVICE_NAME'>;

/** The process's OpenTelemetry SDK, when tracing is configured. */
export interface Tracing {
  readonly resource: Resource;
  /** Baton's own spans (requests, step attempts); the Temporal interceptors use the global provider, this one. */
  readonly tracer: Tracer;
  /** Also handed to the worker's workflow sink: spans made inside workflows are exported by this process. */
  readonly spanProcessor: SpanProcessor;
  /** Exports what is still buffered, then stops. */
  shutdown: () => Promise<void>;
}

/**
 * The one place the OpenTelemetry SDK is set up: a global tracer provider with the W3C trace-context
 * propagator, batching spans to OTEL_EXPORTER_OTLP_ENDPOINT over OTLP/HTTP. Nothing without it.
 */
export function startTracing(config: TracingConfig, defaultServiceName: string): Tracing | undefined {
  if (!config.OTEL_EXPORTER_OTLP_ENDPOINT) return undefined;
  const resource = Resource.default().merge(new Resource({ 'service.name': config.OTEL_SERVICE_NAME ?? defaultServiceName })) as Resource;
  const spanProcessor = new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(config.OTEL_EXPORTER_OTLP_ENDPOINT) }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [spanProcessor] });
  provider.register();
  return { resource, spanProcessor, tracer: provider.getTracer('baton'), shutdown: () => provider.shutdown() };
}

/** The OTLP/HTTP convention: the signal's path below the base endpoint. */
export function tracesUrl(endpoint: string): string {
  return new URL('v1/traces', endpoint.endsWith('/') ? endpoint : `${endpoint}/`).toString();
}

/** Interceptors of a Temporal client that carry the caller's trace into the workflows it starts and signals. */
export function temporalClientInterceptors(config: TracingConfig): ClientInterceptors | undefined {
  return config.OTEL_EXPORTER_OTLP_ENDPOINT ? { workflow: [new OpenTelemetryWorkflowClientInterceptor()] } : undefined;
}
