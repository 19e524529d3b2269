/**
 * Workflow interceptors (bundled with `workflowInterceptorModules`, not a workflow): OpenTelemetry's,
 * continuing the trace of whoever started the workflow into its activities and child workflows.
 *
 * Always bundled, whether this worker exports spans or not, because making spans draws span ids
 * from the workflow's seeded random numbers, which `uuid4()` (child run ids) draws from too: a
 * worker with tracing and one without must make the same commands. Behind `patched()` for the
 * same reason, so runs started before tracing existed replay as they ran.
 */
import {
  OpenTelemetryInboundInterceptor,
  OpenTelemetryInternalsInterceptor,
  OpenTelemetryOutboundInterceptor,
} from '@temporalio/interceptors-opentelemetry/lib/workflow/index.js';
import {
  patched,
  type WorkflowInboundCallsInterceptor,
  type WorkflowInterceptors,
  type WorkflowOutboundCallsInterceptor,
} from '@temporalio/workflow';

export const TRACING_PATCH = 'workflow-traces';

export const interceptors = (): WorkflowInterceptors => {
  // Decided once per workflow, when it starts; signals, queries and commands only ever come after.
  let traced = false;
  const inbound = new OpenTelemetryInboundInterceptor();
  const outbound = new OpenTelemetryOutboundInterceptor();
  const tracedInbound: WorkflowInboundCallsInterceptor = {
    execute: (input, next) => {
      traced = patched(TRACING_PATCH);
      return traced ? inbound.execute(input, next) : next(input);
    },
    handleSignal: (input, next) => (traced ? inbound.handleSignal(input, next) : next(input)),
  };
  const tracedOutbound: WorkflowOutboundCallsInterceptor = {
    scheduleActivity: (input, next) => (traced ? outbound.scheduleActivity(input, next) : next(input)),
    scheduleLocalActivity: (input, next) => (traced ? outbound.scheduleLocalActivity(input, next) : next(input)),
    startChildWorkflowExecution: (input, next) => (traced ? outbound.startChildWorkflowExecution(input, next) : next(input)),
    continueAsNew: (input, next) => (traced ? outbound.continueAsNew(input, next) : next(input)),
    signalWorkflow: (input, next) => (traced ? outbound.signalWorkflow(input, next) : next(input)),
    getLogAttributes: (input, next) => (traced ? outbound.getLogAttributes(input, next) : next(input)),
  };
  return { inbound: [tracedInbound], outbound: [tracedOutbound], internals: [new OpenTelemetryInternalsInterceptor()] };
};
