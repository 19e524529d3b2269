import { Injectable } from '@nestjs/common';
import { BatonError } from '../common/errors/baton-error.js';
import { TriggersError } from './triggers.errors.js';
import { TriggerMappings } from './trigger-mappings.js';

const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Why a delivery started no run, as its record keeps it: the problem's message and each field's. */
export const reasonOf = (error: unknown) =>
  error instanceof BatonError && error.errors?.length
    ? `${error.message}: ${error.errors.map((e) => `${e.path}: ${e.message}`).join('; ')}`
    : (error as Error).message;

/** The delivery was recorded first, by a concurrent copy of it, with the run it started. */
export class DeliveryTaken extends Error {
  constructor(readonly runId: string | null) {
    super('The delivery was recorded first by a concurrent copy');
  }
}

/** A run's inputs from what arrived at a trigger: a webhook's body, a broker's message, an emitted event. */
@Injectable()
export class TriggerInputs {
  constructor(private readonly mappings: TriggerMappings) {}

  /**
   * The JSON `rawBody`, or what the trigger's expression makes of `{ body, headers, ...context }`.
   * A body that is no JSON, or inputs that are no object, are refused (`invalid_payload`).
   */
  async ofBody(
    expression: string | null,
    rawBody: Buffer,
    headers: Record<string, unknown>,
    context: Record<string, unknown> = {},
  ): Promise<Record<string, unknown>> {
    let body: unknown;
    try {
      body = rawBody.length ? JSON.parse(rawBody.toString('utf8')) : {};
    } catch {
      throw new TriggersError('invalid_payload', 'The body is not JSON', [{ path: '(body)', message: 'Not JSON' }]);
    }
    return expression ? this.map(expression, { body, headers, ...context }, 'body') : this.requireObject(body, 'body');
  }

  /** The run's inputs from a trigger's JSONata mapping over what arrived (`of` names it in errors). */
  async map(expression: string, context: Record<string, unknown>, of: 'body' | 'event'): Promise<Record<string, unknown>> {
    const outcome = await this.mappings.evaluate(expression, context);
    if (outcome.ok) return this.requireObject(outcome.value, of);
    const message = `The trigger's inputs expression failed on this ${of}: ${outcome.message}`;
    if (outcome.budgetExceeded)
      throw new TriggersError('expression_budget_exceeded', message, [{ path: 'inputs', message: outcome.message }]);
    throw new TriggersError('invalid_payload', message);
  }

  private requireObject(inputs: unknown, of: 'body' | 'event'): Record<string, unknown> {
    if (!isObject(inputs))
      throw new TriggersError('invalid_payload', 'The inputs must be a JSON object', [{ path: `(${of})`, message: 'Not an object' }]);
    return inputs;
  }
}
