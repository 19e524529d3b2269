import type { OpenAPIObject, OperationObject, ResponseObject } from '@nestjs/swagger';
import { beforeAll, describe, expect, it } from 'vitest';
import { describeApi } from '../../src/api.js';
import { loadConfig } from '../../src/runtime/config/config.js';

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'] as const;
const PROBLEM = { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } };

function operationsOf(document: OpenAPIObject): Array<{ name: string; operation: OperationObject }> {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    METHODS.flatMap((method) => {
      const operation = item[method];
      return operation ? [{ name: `${method.toUpperCase()} ${path}`, operation }] : [];
    }),
  );
}

/** What an operation lacks of a contract a client can be generated from; empty when it has it all. */
function contractGaps(operation: OperationObject): string[] {
  const gaps: string[] = [];
  const responses = Object.entries(operation.responses as Record<string, ResponseObject>);
  // A browser navigation (GET /v1/auth/sso/{slug}/login) succeeds with a redirect.
  const successes = responses.filter(([status]) => status.startsWith('2') || status.startsWith('3'));
  if (!successes.length) gaps.push('no success response');
  for (const [status, response] of successes) {
    const media = Object.entries(response.content ?? {});
    // Only "no content", "accepted, nothing to say" and redirects have no body.
    if (!media.length && status !== '204' && status !== '202' && !status.startsWith('3')) gaps.push(`${status} has no content`);
    for (const [type, { schema }] of media) if (!schema) gaps.push(`${status} ${type} has no schema`);
  }
  const problems = responses.filter(([status]) => Number(status) >= 400);
  if (!problems.length) gaps.push('no problem response');
  for (const [status, response] of problems)
    if (JSON.stringify(response.content) !== JSON.stringify(PROBLEM)) gaps.push(`${status} is not a Problem`);
  if (!operation.summary) gaps.push('no summary');
  if (!operation.tags?.length) gaps.push('no tag');
  if (!operation.security) gaps.push('does not say whether it needs a credential');
  return gaps;
}

describe('the OpenAPI document', () => {
  let document: OpenAPIObject;

  beforeAll(async () => {
    const unused = 'x'.repeat(32);
    document = await describeApi({
      ...loadConfig({ JWT_SECRET: unused, WEBHOOK_SIGNING_KEY: unused }),
      databaseUrl: '',
      temporalAddress: '',
    });
  });

  it('gives every operation its success and problem responses, a summary and a tag', () => {
    const operations = operationsOf(document);
    expect(operations.length).toBeGreaterThan(80);
    const gaps = operations.flatMap(({ name, operation }) => contractGaps(operation).map((gap) => `${name}: ${gap}`));
    expect(gaps).toEqual([]);
  });

  it('names every operation once', () => {
    const ids = operationsOf(document).map(({ operation }) => operation.operationId);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('says which endpoints answer other than JSON', () => {
    const media = (path: string, status = '200') =>
      Object.keys((document.paths[path].get!.responses as Record<string, ResponseObject>)[status].content ?? {}).sort();
    expect(media('/v1/runs/{id}/events')).toEqual(['application/json', 'text/event-stream']);
    expect(media('/v1/runs/{id}/logs')).toEqual(['application/json', 'text/event-stream']);
    expect(media('/metrics')).toEqual(['text/plain']);
  });

  it('finds the gaps of an operation without a contract', () => {
    const bare: OperationObject = { responses: { '200': { description: '' }, '401': { description: 'no' } } };
    expect(contractGaps(bare)).toEqual([
      '200 has no content',
      '401 is not a Problem',
      'no summary',
      'no tag',
      'does not say whether it needs a credential',
    ]);
  });
});
