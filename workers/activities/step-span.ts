import { context, propagation, SpanStatusCode, type Tracer } from '@opentelemetry/api';
import type { ExecuteStepInput } from '../contracts/index.js';
import type { SandboxOutcome } from '../sandbox/step-sandbox.js';

/**
 * One span per attempt of a step, around its sandbox run; the step gets the W3C `traceparent`
 * of that span, since the sandbox cannot export spans of its own. Without a tracer, just runs.
 * `hide` redacts the step's secrets from the error message recorded on the span.
 */
export function inStepSpan(
  tracer: Tracer | undefined,
  input: ExecuteStepInput,
  attempt: number,
  hide: (text: string) => string,
  run: (traceparent: string | undefined) => Promise<SandboxOutcome>,
): Promise<SandboxOutcome> {
  if (!tracer) return run(undefined);
  const attributes = {
    'baton.tenant.id': input.tenantId,
    'baton.run.id': input.runId,
    'baton.step.id': input.stepId,
    'baton.step.uses': input.uses,
    'baton.step.attempt': attempt,
    ...(input.item === undefined ? {} : { 'baton.step.item': input.item }),
  };
  return tracer.startActiveSpan(`step ${input.uses}`, { attributes }, async (span) => {
    try {
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      const outcome = await run(carrier.traceparent);
      if (!outcome.ok)
        span
          .setAttribute('baton.step.error_code', outcome.error.code)
          .setStatus({ code: SpanStatusCode.ERROR, message: hide(outcome.error.message) });
      return outcome;
    } finally {
      span.end();
    }
  });
}
