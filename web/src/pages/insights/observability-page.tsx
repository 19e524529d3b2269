import { Button, Group, Paper, SegmentedControl, Select, Skeleton, Stack, Text, Title } from '@mantine/core';
import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { api, ok } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import { AnchorLink } from '../../components/anchor-link';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { LineageSection, type DatasetQuery } from './lineage-section';
import { PipelineCharts, PipelineTable, SummaryTotals } from './observability-pipelines';
import { parseObservabilitySearch, windowChoices, windowOf, withWindow, type ObservabilitySearch } from './observability-search';
import { StepHealth } from './observability-steps';

/** /observability: how the tenant's pipelines and steps ran over a window, and where a dataset came from and went. */
export function ObservabilityPage() {
  // Not strict, and parsed here with the route's own validator: the page also works mounted elsewhere (tests).
  const search = parseObservabilitySearch(useSearch({ strict: false }));
  const navigate = useNavigate();
  const go = (next: ObservabilitySearch) => void navigate({ to: '.', search: parseObservabilitySearch(next) });
  const windowParam = windowOf(search);
  const choices = windowChoices(windowParam);
  const period = choices.find((choice) => choice.value === windowParam)!.description;

  const summary = useQuery({
    queryKey: ['observability', 'summary', windowParam, search.pipeline ?? null],
    queryFn: () => ok(api.GET('/v1/observability/summary', { params: { query: { window: windowParam, pipeline: search.pipeline } } })),
    placeholderData: keepPreviousData,
  });
  const steps = useQuery({
    queryKey: ['observability', 'steps', windowParam],
    queryFn: () => ok(api.GET('/v1/observability/steps', { params: { query: { window: windowParam } } })),
    placeholderData: keepPreviousData,
  });
  const pipelines = useQuery({
    queryKey: ['insights', 'pipeline-names'],
    queryFn: () => ok(api.GET('/v1/pipelines', { params: { query: { limit: 500 } } })),
    staleTime: 60_000,
  });
  // Runs of a deleted pipeline still count under its name, so the summary's names join the saved pipelines'.
  const pipelineNames = [
    ...new Set([
      ...(pipelines.data?.items ?? []).map((p) => p.name),
      ...(summary.data?.items ?? []).map((i) => i.pipeline),
      ...(search.pipeline ? [search.pipeline] : []),
    ]),
  ].sort();
  const problem = summary.error instanceof ApiProblem ? summary.error : undefined;

  return (
    <Stack gap="lg">
      <PageHeader
        title="Observability"
        description={`How runs started in ${period} went${search.pipeline ? ` for ${search.pipeline}` : ''}: success, duration, queueing and SLAs; then the steps that cost the most, and dataset lineage.`}
      />
      <Group align="flex-end" gap="md">
        <Stack gap={4}>
          <Text size="sm" fw={500} id="observability-window">
            Window
          </Text>
          <SegmentedControl
            aria-labelledby="observability-window"
            data={choices.map(({ value, label }) => ({ value, label }))}
            value={windowParam}
            onChange={(value) => go(withWindow(search, value))}
          />
          {problem?.about('query.window') && (
            <Text size="xs" c="red" role="alert">
              {problem.about('query.window')}
            </Text>
          )}
        </Stack>
        <Select
          label="Pipeline"
          placeholder="All pipelines"
          searchable
          clearable
          w={{ base: '100%', xs: 260 }}
          data={pipelineNames}
          value={search.pipeline ?? null}
          onChange={(pipeline) => go({ ...search, pipeline: pipeline ?? undefined })}
          error={problem?.about('query.pipeline')}
        />
      </Group>

      <ProblemAlert error={summary.error} title="Could not load the run statistics" />
      {summary.isPending && <Skeleton h={320} />}
      {summary.data && summary.data.items.length === 0 && (
        <Paper withBorder p="lg">
          <Stack gap="xs" align="flex-start">
            <Text fw={600}>
              No runs {search.pipeline ? `of ${search.pipeline} ` : ''}started in {period}.
            </Text>
            <Text size="sm" c="dimmed">
              This page sums up the runs of a window: start one from <AnchorLink to="/pipelines">Pipelines</AnchorLink>, or pick a longer
              window.
            </Text>
            {search.pipeline && (
              <Button variant="light" size="xs" onClick={() => go({ ...search, pipeline: undefined })}>
                Show all pipelines
              </Button>
            )}
          </Stack>
        </Paper>
      )}
      {summary.data && summary.data.items.length > 0 && (
        <>
          <SummaryTotals totals={summary.data.totals} />
          <Stack gap="sm" opacity={summary.isPlaceholderData ? 0.6 : 1}>
            <Title order={2} size="h3">
              Pipelines
            </Title>
            <PipelineCharts items={summary.data.items} />
            <PipelineTable items={summary.data.items} onPick={(pipeline) => go({ ...search, pipeline })} />
          </Stack>
        </>
      )}

      <ProblemAlert error={steps.error} title="Could not load the step statistics" />
      {steps.data && <StepHealth items={steps.data.items} />}

      <LineageSection
        key={`${search.dataset ?? ''}|${search.namespace ?? ''}`}
        query={{ dataset: search.dataset, namespace: search.namespace }}
        onSearch={(query: DatasetQuery) => go({ ...search, ...query })}
      />
    </Stack>
  );
}
