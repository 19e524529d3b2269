import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import type { BatonActivities } from './index.js';

type Attributes = Record<string, string | number | undefined>;

/** Which run, step and tenant each activity works for, read from its arguments. */
const ATTRIBUTES: { [K in keyof BatonActivities]: (...args: Parameters<BatonActivities[K]>) => Attributes } = {
  executeStep: ({ tenantId, runId, stepId, item, uses }) => ({ tenantId, runId, stepId, item, uses }),
  executeItemChunk: ({ tenantId, runId, stepId, uses }) => ({ tenantId, runId, stepId, uses }),
  startChildRun: ({ tenantId, parent, childRunId }) => ({ tenantId, runId: parent.runId, stepId: parent.stepId, childRunId }),
  startScheduledRun: ({ tenantId, runId, scheduleId }) => ({ tenantId, runId, scheduleId }),
  admitFanOut: (tenantId, runId, fannedOut) => ({ tenantId, runId, stepId: fannedOut.stepId }),
  admitRun: (tenantId, runId) => ({ tenantId, runId }),
  recordRunEvents: (tenantId, runId) => ({ tenantId, runId }),
};

function attributesOf(activityType: string, args: unknown[]): Attributes {
  const read = ATTRIBUTES[activityType as keyof BatonActivities] as ((...args: unknown[]) => Attributes) | undefined;
  if (!read) return {};
  try {
    return Object.fromEntries(Object.entries(read(...args)).filter(([, value]) => value !== undefined));
  } catch {
    return {};
  }
}

/**
 * Every line an activity logs — its own through `Context.current().log` and the SDK's
 * ("Activity failed", with the error) — carries the Baton run, step and tenant it works for,
 * besides Temporal's attributes (attempt, activity type, workflow id).
 */
export const activityLogAttributes: ActivityInterceptorsFactory = (context) => {
  let attributes: Attributes = {};
  return {
    inbound: {
      execute(input, next) {
        attributes = attributesOf(context.info.activityType, input.args);
        return next(input);
      },
    },
    outbound: {
      getLogAttributes: (input, next) => next({ ...input, ...attributes }),
    },
  };
};
