import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { firstValueFrom, of } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BatonError } from '../errors/baton-error.js';
import { Responds } from './responds.decorator.js';
import { ResponseValidationInterceptor } from './response-validation.interceptor.js';

class Routes {
  @Responds(200, z.strictObject({ id: z.uuid(), at: z.iso.datetime() }))
  get() {}

  @Responds(204)
  remove() {}
}

function answer(handler: keyof Routes, statusCode: number, body: unknown): Promise<unknown> {
  const reply = { statusCode, sent: false };
  const request = { method: 'GET', routeOptions: { url: '/v1/things/:id' } };
  const context = {
    getHandler: () => Routes.prototype[handler],
    getClass: () => Routes,
    switchToHttp: () => ({ getResponse: () => reply, getRequest: () => request }),
  } as unknown as ExecutionContext;
  const next: CallHandler = { handle: () => of(body) };
  return firstValueFrom(new ResponseValidationInterceptor().intercept(context, next));
}

describe(ResponseValidationInterceptor.name, () => {
  const id = '0b0c4f9e-8a57-4a7e-9d5e-1b2f7d1c2a3b';

  it('passes a body that matches its declared schema, as the JSON a client reads (dates as ISO text)', async () => {
    const body = { id, at: new Date('2025-01-31T12:00:00Z') };
    await expect(answer('get', 200, body)).resolves.toBe(body);
    await expect(answer('remove', 204, undefined)).resolves.toBeUndefined();
  });

  it('fails with a 500 naming each difference when the body does not match', async () => {
    const failure = answer('get', 200, { id: 'nope', at: '2025-01-31T12:00:00Z', secret: 'leaked' });
    await expect(failure).rejects.toBeInstanceOf(BatonError);
    await expect(failure).rejects.toMatchObject({
      status: 500,
      code: 'response_invalid',
      errors: [
        { path: 'body.id', message: expect.any(String) as string },
        { path: 'body.secret', message: 'Unknown field' },
      ],
    });
  });

  it('fails on a status the route does not declare', async () => {
    await expect(answer('get', 201, { id, at: '2025-01-31T12:00:00Z' })).rejects.toMatchObject({ status: 500, code: 'response_invalid' });
  });
});
