import type { paths } from '../../api/schema';

/** The shapes of the runs API, named once (from the generated schema, so a contract change breaks the build). */
export type RunView = paths['/v1/runs/{id}']['get']['responses'][200]['content']['application/json'];
export type RunPage = paths['/v1/runs']['get']['responses'][200]['content']['application/json'];
export type RunSummary = RunPage['items'][number];
export type RunListQuery = NonNullable<paths['/v1/runs']['get']['parameters']['query']>;
export type RunStep = RunView['steps'][number];
export type StepAttempt = RunStep['attempts'][number];
export type RunGraph = NonNullable<RunView['graph']>;
export type GraphNode = RunGraph['nodes'][number];
export type RunStatus = RunView['status'];
export type StepStatus = RunStep['status'];
export type RunTrigger = RunView['trigger'];
export type RunError = NonNullable<RunView['error']>;
export type RunEvent = paths['/v1/runs/{id}/events']['get']['responses'][200]['content']['application/json']['items'][number];
