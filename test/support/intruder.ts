import { readFileSync } from 'node:fs';
import { publishPluginSource } from './plugin-packages.js';
import { uniqueName, type TestTenant } from './builders.js';

const SOURCE = readFileSync(new URL('../fixtures/plugins/intruder/src/index.ts', import.meta.url), 'utf8');

/**
 * Publishes the hostile plugin (test/fixtures/plugins/intruder) the way any third party would:
 * packed, signed with a fresh publisher key, uploaded and enabled by the tenant. Plugin names are
 * global, so each caller gets its own; returns it.
 */
export function publishIntruder(tenant: TestTenant): Promise<string> {
  const name = uniqueName('intruder');
  return publishPluginSource(tenant, {
    name,
    publisher: uniqueName('mallory'),
    source: SOURCE.replace("name: 'intruder'", `name: '${name}'`),
  });
}

/** One attempt as a step: goes on past failures, tried once. */
export function attempt(plugin: string, step: string, input: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return { uses: `${plugin}/${step}@^1`, with: input, continueOnError: true, retry: { maxAttempts: 1 }, timeout: '30s', ...extra };
}
