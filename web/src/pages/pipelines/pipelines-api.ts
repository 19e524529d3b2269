import { api, ok } from '../../api/client';
import type { FieldProblem } from '../../api/problem';
import type { paths } from '../../api/schema';

export type PipelineVersion = paths['/v1/pipelines/{name}']['get']['responses'][200]['content']['application/json'];
export type PipelineGraph = paths['/v1/pipelines/{name}/graph']['get']['responses'][200]['content']['application/json'];
export type ValidPlan = paths['/v1/pipelines/validate']['post']['responses'][200]['content']['application/json']['plan'];
export type RunItem = paths['/v1/runs']['get']['responses'][200]['content']['application/json']['items'][number];

/** Query keys: everything about pipelines under `pipelines`, so one invalidation after a save refreshes every view of them. */
export const pipelineKeys = {
  all: ['pipelines'] as const,
  list: ['pipelines', 'list'] as const,
  latest: (name: string) => ['pipelines', 'one', name, 'latest'] as const,
  graph: (name: string) => ['pipelines', 'one', name, 'graph'] as const,
  versions: (name: string) => ['pipelines', 'one', name, 'versions'] as const,
  validation: (yaml: string) => ['pipelines', 'validate', yaml] as const,
  runs: (pipeline: string, limit: number) => ['runs', { pipeline, limit }] as const,
  successRates: ['observability', 'summary', { window: '7d' }] as const,
};

/** As JSON (the API answers YAML only to `Accept: application/yaml`, which the console does not send). */
export const latestVersion = (name: string) =>
  ok(api.GET('/v1/pipelines/{name}', { params: { path: { name } } })) as Promise<PipelineVersion>;

export const recentRuns = (pipeline: string, limit: number) => ok(api.GET('/v1/runs', { params: { query: { pipeline, limit } } }));

/**
 * A definition sent as the YAML the user wrote: only a YAML body gets each problem's `line` and
 * `column` back. The OpenAPI document declares these bodies as JSON objects only, so the text goes
 * through openapi-fetch's own escape hatches (an identity serializer and the content type).
 */
function yamlBody(yaml: string) {
  return {
    body: yaml as never,
    bodySerializer: (body: unknown) => body,
    headers: { 'content-type': 'application/yaml' },
  };
}

export const validateYaml = (yaml: string) => ok(api.POST('/v1/pipelines/validate', yamlBody(yaml)));

/** Saves a definition as `name`: `created` is false when it was unchanged (the API answers 200 with the latest version). */
export async function saveYaml(name: string, yaml: string) {
  const answer = api.PUT('/v1/pipelines/{name}', { params: { path: { name } }, ...yamlBody(yaml) });
  const saved = await ok(answer);
  return { saved, created: (await answer).response.status === 201 };
}

/** What the last check of a text found: its problems (none when valid) and, when valid, the plan. */
export interface CheckedText {
  text: string;
  problems: FieldProblem[];
  plan?: ValidPlan;
}
