import { Anchor, Group, Loader, Pagination, Stack, Table, Text, TextInput } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { api, ok } from '../../api/client';
import type { paths } from '../../api/schema';
import { useRoleGate } from '../../auth/use-role-gate';
import { AnchorLink, RunLink } from '../../components/anchor-link';
import { LoadMore, useCursorList } from '../../components/cursor-list';
import { formatDateTime, formatPercent, NONE } from '../../components/format';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { RunStatusBadge } from '../../components/run-status-badge';
import { GatedButton } from './gated-button';
import { latestVersion, pipelineKeys, recentRuns } from './pipelines-api';
import { PipelinesEmptyState } from './pipelines-empty-state';

export interface PipelinesSearch {
  q?: string;
  page?: number;
}

type PipelineItem = paths['/v1/pipelines']['get']['responses'][200]['content']['application/json']['items'][number];
type Summary = paths['/v1/observability/summary']['get']['responses'][200]['content']['application/json'];

const PAGE_SIZE = 25;

/** /pipelines: the tenant's pipelines with how they have been doing; for a new tenant, what a pipeline is and a first one. */
export function PipelinesPage() {
  const search: PipelinesSearch = useSearch({ strict: false });
  const navigate = useNavigate();
  const mayCreate = useRoleGate('operator', 'Saving pipelines');
  // Tenants have tens of pipelines, not thousands: read them in few requests, filter and page here.
  const list = useCursorList(pipelineKeys.list, (cursor) => ok(api.GET('/v1/pipelines', { params: { query: { limit: 500, cursor } } })));
  const rates = useQuery({
    queryKey: pipelineKeys.successRates,
    queryFn: () => ok(api.GET('/v1/observability/summary', { params: { query: { window: '7d' } } })),
  });
  const query = (search.q ?? '').trim().toLowerCase();
  const matching = list.items.filter((pipeline) => pipeline.name.includes(query));
  const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
  const page = Math.min(search.page ?? 1, pages);
  const shown = matching.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
  const setSearch = (next: PipelinesSearch) => void navigate({ to: '/pipelines', search: next, replace: true });

  if (list.isPending) return <Loader aria-label="Loading pipelines" />;
  if (list.error) return <ProblemAlert error={list.error} title="Could not list the pipelines" />;
  if (list.items.length === 0) return <PipelinesEmptyState blockedBecause={mayCreate.why} />;

  return (
    <>
      <PageHeader
        title="Pipelines"
        description="Each pipeline is a versioned definition of steps; open one to see its versions and runs, or run it."
        actions={
          <GatedButton blockedBecause={mayCreate.why} onClick={() => void navigate({ to: '/pipelines/new' })}>
            New pipeline
          </GatedButton>
        }
      />
      <Stack gap="sm">
        <TextInput
          label="Search"
          placeholder="Part of a pipeline's name"
          maw={360}
          value={search.q ?? ''}
          onChange={(event) => setSearch({ q: event.currentTarget.value || undefined })}
        />
        {rates.error && <ProblemAlert error={rates.error} title="Success rates are not available" />}
        {shown.length === 0 ? (
          <Text size="sm">
            No pipeline's name contains “{search.q}”.{' '}
            <Anchor component="button" type="button" size="sm" onClick={() => setSearch({})}>
              Clear the search
            </Anchor>
          </Text>
        ) : (
          <Table.ScrollContainer minWidth={900}>
            <Table striped highlightOnHover>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Latest version</Table.Th>
                  <Table.Th>Description</Table.Th>
                  <Table.Th>Last run</Table.Th>
                  <Table.Th>Succeeded (7 days)</Table.Th>
                  <Table.Th>Updated</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {shown.map((pipeline) => (
                  <PipelineRow
                    key={pipeline.id}
                    pipeline={pipeline}
                    stats={rates.data?.items.find((item) => item.pipeline === pipeline.name)}
                  />
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
        <Group justify="space-between">
          {pages > 1 ? (
            <Pagination
              total={pages}
              value={page}
              onChange={(next) => setSearch({ q: search.q, page: next })}
              getControlProps={(control) => ({ 'aria-label': `${control} page` })}
            />
          ) : (
            <span />
          )}
          <LoadMore list={list} label="Load more pipelines" />
        </Group>
      </Stack>
    </>
  );
}

/**
 * One pipeline. The list gives neither its description nor its last run, so each row asks for
 * them (the latest version shares its cache with the pipeline's own page).
 */
function PipelineRow({ pipeline, stats }: { pipeline: PipelineItem; stats: Summary['items'][number] | undefined }) {
  const latest = useQuery({ queryKey: pipelineKeys.latest(pipeline.name), queryFn: () => latestVersion(pipeline.name), staleTime: 60_000 });
  const lastRun = useQuery({
    queryKey: pipelineKeys.runs(pipeline.name, 1),
    queryFn: () => recentRuns(pipeline.name, 1),
    staleTime: 30_000,
  });
  const description = latest.data?.definition.description;
  const run = lastRun.data?.items[0];
  return (
    <Table.Tr>
      <Table.Td>
        <AnchorLink to="/pipelines/$name" params={{ name: pipeline.name }} fw={600}>
          {pipeline.name}
        </AnchorLink>
      </Table.Td>
      <Table.Td>v{pipeline.latestVersion}</Table.Td>
      <Table.Td maw={360}>
        <Text size="sm" lineClamp={2}>
          {typeof description === 'string' ? description : '—'}
        </Text>
      </Table.Td>
      <Table.Td>
        {run ? (
          <Group gap="xs" wrap="nowrap">
            <RunStatusBadge status={run.status} />
            <RunLink id={run.id} />
          </Group>
        ) : lastRun.isPending ? (
          <Loader size="xs" aria-label={`Loading the last run of ${pipeline.name}`} />
        ) : (
          'never run'
        )}
      </Table.Td>
      <Table.Td>{stats && stats.runs > 0 ? `${formatPercent(stats.successRate, 0)} of ${stats.runs}` : NONE}</Table.Td>
      <Table.Td>{formatDateTime(pipeline.updatedAt)}</Table.Td>
    </Table.Tr>
  );
}
