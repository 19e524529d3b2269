import { Logger as NestLogger } from '@nestjs/common';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, type Logger } from '../runtime/logging/logger.js';
import { NestPinoLogger } from './nest-logger.js';
import { CENSORED, scrubText } from '../runtime/logging/redaction.js';
import { TemporalPinoLogger } from '../runtime/logging/temporal-logger.js';

function capture(
  service: 'api' | 'worker' = 'api',
  level = 'trace',
): { logger: Logger; lines: () => Array<Record<string, unknown>>; text: () => string } {
  let text = '';
  const out = new Writable({
    write(chunk, _encoding, done) {
      text += chunk.toString();
      done();
    },
  });
  const logger = createLogger(service, { LOG_LEVEL: level as 'trace', LOG_FORMAT: 'json' }, out);
  return {
    logger,
    text: () => text,
    lines: () =>
      text
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line)),
  };
}

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NSIsInRlbmFudCI6ImFiYyJ9.c2lnbmF0dXJlLXNpZ25hdHVyZQ';
const API_KEY = 'bk_Zr8c4xQ1uVw9yT2pLm3nK7';

describe('createLogger', () => {
  it('writes one JSON object a line with the level as a label, an ISO time, msg and service', () => {
    const { logger, lines } = capture('worker');
    logger.info({ runId: 'r1' }, 'hello');
    expect(lines()).toEqual([expect.objectContaining({ level: 'info', msg: 'hello', service: 'worker', runId: 'r1' })]);
    expect(new Date(lines()[0].time as string).toISOString()).toBe(lines()[0].time);
  });

  it('keeps below-level lines out', () => {
    const { logger, lines } = capture('api', 'warn');
    logger.info('quiet');
    logger.warn('loud');
    expect(lines().map((l) => l.msg)).toEqual(['loud']);
  });

  it('redacts credentials and key material at the paths where they are known to sit', () => {
    const { logger, lines, text } = capture();
    logger.info(
      {
        authorization: `Bearer ${JWT}`,
        headers: {
          authorization: `Bearer ${API_KEY}`,
          cookie: 'session=s3cr3t-cookie',
          'x-api-key': 'hdr-key-123',
          accept: 'application/json',
        },
        req: { headers: { authorization: 'Basic dXNlcjpwYXNzd29yZA==' }, body: { value: 'body-secret-1' } },
        user: { email: 'a@b.test', password: 'pw-correct-horse' },
        principal: { token: 'tok-abcdef', apiKey: 'ak-abcdef', secret: { value: 'secret-value-1' } },
        ctx: { secrets: { DB_PASSWORD: 'secret-value-2' } },
        config: {
          JWT_SECRET: 'jwt-secret-value-xyz',
          SECRETS_MASTER_KEY: 'master-key-value',
          BATON_ADMIN_TOKEN: 'admin-token-value',
          PORT: 8080,
        },
        options: { privateKey: '-----BEGIN PRIVATE KEY-----abc', wrapped: 'wrapped-dek' },
      },
      'call',
    );
    for (const plain of [
      's3cr3t-cookie',
      'hdr-key-123',
      'dXNlcjpwYXNzd29yZA',
      'body-secret-1',
      'pw-correct-horse',
      'tok-abcdef',
      'ak-abcdef',
      'secret-value-1',
      'secret-value-2',
      'jwt-secret-value-xyz',
      'master-key-value',
      'admin-token-value',
      'BEGIN PRIVATE KEY',
      'wrapped-dek',
      JWT,
      API_KEY,
    ]) {
      expect(text(), plain).not.toContain(plain);
    }
    const [line] = lines();
    expect(line).toMatchObject({
      authorization: CENSORED,
      headers: { authorization: CENSORED, cookie: CENSORED, 'x-api-key': CENSORED, accept: 'application/json' },
      user: { email: 'a@b.test', password: CENSORED },
      config: { JWT_SECRET: CENSORED, PORT: 8080 },
      ctx: { secrets: CENSORED },
    });
  });

  it('keeps URLs but not the passwords in them', () => {
    const { logger, lines, text } = capture();
    logger.info(
      {
        databaseUrl: 'postgres://baton:db-pass-123@db.internal:5432/baton',
        config: { DATABASE_URL: 'postgres://u:db-pass-456@h/d' },
        url: 'https://example.test/a?b=1',
      },
      'connect',
    );
    expect(text()).not.toMatch(/db-pass-/);
    expect(lines()[0]).toMatchObject({
      databaseUrl: `postgres://baton:${CENSORED}@db.internal:5432/baton`,
      url: 'https://example.test/a?b=1',
    });
  });

  it('scrubs credentials of a known shape from messages and errors', () => {
    const { logger, lines, text } = capture();
    logger.warn(`login with Bearer ${JWT} and key ${API_KEY} failed`);
    const error = Object.assign(new Error('connect to postgres://baton:err-pass-789@db:5432/x failed'), {
      config: { headers: { authorization: `Bearer ${API_KEY}` } },
    });
    logger.error({ err: error }, 'query failed');
    logger.error({ error }, 'activity failed');
    expect(text()).not.toContain(JWT);
    expect(text()).not.toContain(API_KEY);
    expect(text()).not.toContain('err-pass-789');
    expect(lines()[1]).toMatchObject({
      err: { type: 'Error', message: `connect to postgres://baton:${CENSORED}@db:5432/x failed`, stack: expect.any(String) },
    });
  });

  it('scrubText leaves ordinary text alone', () => {
    const text = 'Step fetch of run 0b5c failed: HTTP 503 from https://api.example.test/v1/items?page=2 (key ${{ secrets.TOKEN }})';
    expect(scrubText(text)).toBe(text);
    expect(scrubText('GET /x?token=abc123&page=2')).toBe(`GET /x?token=${CENSORED}&page=2`);
  });
});

describe(NestPinoLogger.name, () => {
  it("writes Nest's Logger calls with the logger's name as context, and errors with their stack", () => {
    const { logger, lines } = capture();
    NestLogger.overrideLogger(new NestPinoLogger(logger));
    try {
      new NestLogger('RunsService').log('Run started');
      new NestLogger('Problem').error(new Error('boom').stack);
      new NestLogger('Problem').error(new Error('connect postgres://u:stack-pass-1@db/x').stack);
      NestLogger.warn('no context');
      new NestLogger('baton').log({ msg: 'Baton api is running', url: 'http://127.0.0.1:8080' });
    } finally {
      NestLogger.overrideLogger(true);
    }
    expect(lines()).toEqual([
      expect.objectContaining({ level: 'info', context: 'RunsService', msg: 'Run started' }),
      expect.objectContaining({ level: 'error', context: 'Problem', msg: 'Error: boom', stack: expect.stringContaining('at ') }),
      expect.objectContaining({
        level: 'error',
        context: 'Problem',
        msg: `Error: connect postgres://u:${CENSORED}@db/x`,
        stack: expect.not.stringContaining('stack-pass-1'),
      }),
      expect.objectContaining({ level: 'warn', msg: 'no context' }),
      expect.objectContaining({ level: 'info', context: 'baton', msg: 'Baton api is running', url: 'http://127.0.0.1:8080' }),
    ]);
    expect(lines()[3]).not.toHaveProperty('context');
  });
});

describe(TemporalPinoLogger.name, () => {
  it("writes the SDK's lines with their attributes; a workflow's Temporal run id is not mistaken for a Baton run", () => {
    const { logger, lines } = capture('worker');
    const temporal = new TemporalPinoLogger(logger);
    temporal.warn('Activity failed', {
      sdkComponent: 'worker',
      activityType: 'executeStep',
      attempt: 2,
      runId: 'baton-run',
      stepId: 's',
      tenantId: 't',
      taskToken: 'dG9rZW4=',
    });
    temporal.info('Scheduled run skipped', {
      sdkComponent: 'workflow',
      workflowType: 'scheduledRun',
      workflowId: 'w',
      runId: 'temporal-run',
    });
    expect(lines()[0]).toMatchObject({
      level: 'warn',
      context: 'temporal.worker',
      runId: 'baton-run',
      stepId: 's',
      tenantId: 't',
      attempt: 2,
    });
    expect(lines()[0]).not.toHaveProperty('taskToken');
    expect(lines()[1]).toMatchObject({ level: 'info', context: 'temporal.workflow', temporalRunId: 'temporal-run' });
    expect(lines()[1]).not.toHaveProperty('runId');
  });
});
