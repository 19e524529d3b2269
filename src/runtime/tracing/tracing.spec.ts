import { describe, expect, it } from 'vitest';
import { loadEnv } from '../config/config.js';
import { startTracing, temporalClientInterceptors, tracesUrl } from './tracing.js';

describe(startTracing.name, () => {
  it('is off unless OTEL_EXPORTER_OTLP_ENDPOINT is set', () => {
    const env = loadEnv({});
    expect(startTracing(env, 'baton-api')).toBeUndefined();
    expect(temporalClientInterceptors(env)).toBeUndefined();
    expect(temporalClientInterceptors(loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }))?.workflow).toHaveLength(1);
  });

  it('sends traces to /v1/traces below the endpoint, as OTLP/HTTP does', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('https://otel.example.com/tenant-a/')).toBe('https://otel.example.com/tenant-a/v1/traces');
  });

  it('refuses an endpoint that is not an http(s) URL', () => {
    expect(() => loadEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'collector:4317' })).toThrow(/OTEL_EXPORTER_OTLP_ENDPOINT/);
  });
});
