import { parseDuration } from '../../../../workers/contracts/duration.js';
import { DEFAULT_RETRY, type RetryPolicyDefinition } from '../../../../workers/contracts/pipeline.contract.js';
import type { CheckContext } from './check-context.js';

const BUILT_IN = 'the built-in default';

/**
 * Temporal refuses to schedule an activity whose initial retry interval exceeds its maximum
 * interval, and the run would hang; the policy a step gets is its own `retry` over
 * `defaults.retry` over DEFAULT_RETRY, field by field (as run-pipeline.workflow.ts merges them).
 */
export function checkRetryPolicies({ definition, report }: CheckContext): void {
  const defaults = definition.defaults?.retry;
  if (defaults) {
    const problem = retryIntervalProblem(
      mergeRetry(DEFAULT_RETRY, defaults),
      { initialInterval: BUILT_IN, maxInterval: BUILT_IN },
      defaults,
    );
    if (problem) report('defaults.retry', problem);
  }
  for (const [id, step] of Object.entries(definition.steps)) {
    // A step that sets neither interval has the policy of `defaults.retry`, reported above.
    if (!step.retry || (step.retry.initialInterval === undefined && step.retry.maxInterval === undefined)) continue;
    const base = mergeRetry(DEFAULT_RETRY, defaults ?? {});
    const source = (field: 'initialInterval' | 'maxInterval') =>
      step.retry![field] !== undefined ? `steps.${id}.retry` : defaults?.[field] !== undefined ? 'defaults.retry' : BUILT_IN;
    const problem = retryIntervalProblem(
      mergeRetry(base, step.retry),
      { initialInterval: source('initialInterval'), maxInterval: source('maxInterval') },
      step.retry,
    );
    if (problem) report(`steps.${id}.retry`, problem);
  }
}

function mergeRetry(base: Required<RetryPolicyDefinition>, override: RetryPolicyDefinition): Required<RetryPolicyDefinition> {
  const defined = Object.entries(override).filter(([, value]) => value !== undefined);
  return { ...base, ...Object.fromEntries(defined) };
}

function retryIntervalProblem(
  policy: Required<RetryPolicyDefinition>,
  sources: Record<'initialInterval' | 'maxInterval', string>,
  written: RetryPolicyDefinition,
): string | null {
  const initial = parseDuration(policy.initialInterval);
  const max = parseDuration(policy.maxInterval);
  if (initial === null || max === null || initial <= max) return null;
  const from = (field: 'initialInterval' | 'maxInterval') => (written[field] !== undefined ? '' : ` (from ${sources[field]})`);
  return (
    `initialInterval ${policy.initialInterval}${from('initialInterval')} is longer than maxInterval ${policy.maxInterval}${from('maxInterval')}: ` +
    'Temporal cannot schedule a step with this retry policy. Raise maxInterval or lower initialInterval'
  );
}
