import { describe, expect, it } from 'vitest';
import { runStepForTest } from '../../sdk/src/index.js';
import { error, S3Stub, stubConnection } from './s3-stub.test-support.js';
import { waitForStep } from './wait-for.step.js';

const connection = stubConnection();

describe('s3/wait-for', () => {
  it('finds a key that is there already with one HEAD', async () => {
    const stub = new S3Stub();
    stub.put('in/ready.csv', 'a,b\n');
    expect(await runStepForTest(waitForStep, { ...connection, key: 'in/ready.csv' }, { http: stub.transport })).toMatchObject({
      ok: true,
      outputs: { found: true, key: 'in/ready.csv', size: 4, etag: stub.objects.get('in/ready.csv')!.etag, polls: 1 },
    });
    expect(stub.requests.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('polls until a key appears under a prefix, polling past errors a retry can fix', async () => {
    const stub = new S3Stub();
    let polls = 0;
    stub.intercept = () => {
      polls++;
      if (polls === 2) return error(503, 'SlowDown', 'Please reduce your request rate.');
      if (polls === 3) stub.put('drop/2026-11-24/part-0.csv', 'x');
      return undefined;
    };
    const result = await runStepForTest(
      waitForStep,
      { ...connection, prefix: 'drop/2026-11-24/', pollSeconds: 1, timeoutSeconds: 30 },
      { http: stub.transport },
    );
    expect(result).toMatchObject({ ok: true, outputs: { found: true, key: 'drop/2026-11-24/part-0.csv', size: 1, polls: 3 } });
    expect(result.logs).toEqual([
      expect.objectContaining({ level: 'warn', message: expect.stringContaining('SlowDown') }),
      expect.objectContaining({ message: 'Found drop/2026-11-24/part-0.csv after 3 poll(s)' }),
    ]);
  });

  it('fails for good on a timeout, or reports found: false when asked', async () => {
    const stub = new S3Stub();
    const timedOut = await runStepForTest(
      waitForStep,
      { ...connection, key: 'never', pollSeconds: 1, timeoutSeconds: 1 },
      { http: stub.transport },
    );
    expect(timedOut).toMatchObject({
      ok: false,
      error: {
        retryable: false,
        stepCode: 's3_wait_timeout',
        message: expect.stringMatching(/^Nothing at s3:\/\/data\/never after 1 s \(\d polls\)$/),
      },
    });
    const soft = await runStepForTest(
      waitForStep,
      { ...connection, key: 'never', pollSeconds: 1, timeoutSeconds: 1, failOnTimeout: false },
      { http: stub.transport },
    );
    expect(soft).toMatchObject({ ok: true, outputs: { found: false, key: null, polls: expect.any(Number) } });
  });

  it('fails at once on an error a retry cannot fix', async () => {
    const stub = new S3Stub();
    expect(await runStepForTest(waitForStep, { ...connection, bucket: 'gone', prefix: 'x' }, { http: stub.transport })).toMatchObject({
      ok: false,
      error: { retryable: false, stepCode: 's3_NoSuchBucket' },
    });
    stub.intercept = () => ({ status: 403 });
    expect(await runStepForTest(waitForStep, { ...connection, key: 'k' }, { http: stub.transport })).toMatchObject({
      ok: false,
      error: { retryable: false, stepCode: 's3_AccessDenied' },
    });
  });

  it('stops waiting as soon as the step is cancelled', async () => {
    const stub = new S3Stub();
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200);
    const started = Date.now();
    const result = await runStepForTest(
      waitForStep,
      { ...connection, key: 'k', pollSeconds: 60, timeoutSeconds: 600 },
      { http: stub.transport, signal: controller.signal },
    );
    expect(result).toMatchObject({ ok: false, error: { message: expect.stringMatching(/^AbortError/) } });
    expect(Date.now() - started).toBeLessThan(2_000);
  });

  it('takes exactly one of key and prefix, and a bounded number of polls', async () => {
    for (const bad of [{}, { key: 'a', prefix: 'b' }, { key: 'a', pollSeconds: 1, timeoutSeconds: 86_400 }, { key: '../etc' }])
      expect(await runStepForTest(waitForStep, { ...connection, ...bad })).toMatchObject({ ok: false, error: { code: 'invalid_input' } });
  });
});
