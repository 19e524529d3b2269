import type { InstallationEndpoint } from '../egress/egress-policy.js';
import type { RuntimeConfig } from './runtime-config.js';

export type EndpointConfig = Partial<
  Pick<
    RuntimeConfig,
    | 'databaseUrl'
    | 'temporalAddress'
    | 'HOST'
    | 'PORT'
    | 'PUBLIC_URL'
    | 'METRICS_HOST'
    | 'METRICS_PORT'
    | 'WORKER_METRICS_PORT'
    | 'ARTIFACTS_S3_ENDPOINT'
    | 'OTEL_EXPORTER_OTLP_ENDPOINT'
  >
>;

/**
 * Where this installation's own services are, as a tenant could point a step or a webhook at them:
 * the control database, the Temporal frontend, the API (where it listens and its PUBLIC_URL), the
 * metrics pages, the artifact store and the trace collector. The policies
 * refuse these on any address and port they are reached at, whatever range the operator allows.
 */
export function installationEndpoints(config: EndpointConfig, extra: readonly InstallationEndpoint[] = []): InstallationEndpoint[] {
  const endpoints: InstallationEndpoint[] = [...extra];
  const add = (host: string | undefined, port: number | string | undefined) => {
    const number = Number(port);
    if (host !== undefined && Number.isInteger(number) && number > 0) endpoints.push({ host, port: number });
  };
  const fromUrl = (text: string | undefined, defaultPort: number) => {
    if (!text) return;
    try {
      const url = new URL(text);
      add(url.hostname, url.port || defaultPort);
    } catch {
      // Not a URL: the config loader reports it; nothing to refuse.
    }
  };
  fromUrl(config.databaseUrl, 5432);
  const temporal = /^(.*):(\d+)$/.exec(config.temporalAddress ?? '');
  add(temporal?.[1], temporal?.[2]);
  add(config.HOST, config.PORT);
  // Where clients reach the API, which a separate worker knows only from here (a proxy or a load balancer in front).
  fromUrl(config.PUBLIC_URL, config.PUBLIC_URL?.startsWith('https:') ? 443 : 80);
  add(config.METRICS_HOST, config.METRICS_PORT);
  add(config.METRICS_HOST, config.WORKER_METRICS_PORT);
  fromUrl(config.ARTIFACTS_S3_ENDPOINT, 443);
  fromUrl(config.OTEL_EXPORTER_OTLP_ENDPOINT, 4318);
  return endpoints;
}
