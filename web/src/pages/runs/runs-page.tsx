import { Alert, Button, Center, EmptyState, Loader } from '@mantine/core';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useMemo } from 'react';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { RunFilterBar } from './run-filter-bar';
import { hasFilters, parseRunsSearch, type RunsSearch } from './run-filters';
import { RunsTable } from './runs-table';
import { useRunList } from './use-run-list';

/** /runs: every run of the tenant, newest first, filtered by what the URL says, updated live. */
export function RunsPage() {
  const raw = useSearch({ strict: false });
  const search = useMemo(() => parseRunsSearch(raw), [raw]);
  const navigate = useNavigate();
  const setSearch = (next: RunsSearch) => void navigate({ to: '/runs', search: next, replace: true });
  const list = useRunList(search);
  const filtered = hasFilters(search);

  return (
    <>
      <PageHeader title="Runs" description="Every execution of your pipelines, newest first. Running ones update live." />
      <RunFilterBar value={search} onChange={setSearch} problem={list.error} />
      <ProblemAlert error={list.error} title="The runs could not be loaded" />
      {list.gap && (
        <Alert color="blue" mb="sm" title="Many new runs">
          More runs started than one refresh shows.{' '}
          <Button variant="light" size="compact-sm" onClick={list.reload}>
            Show the newest
          </Button>
        </Alert>
      )}
      {list.isPending ? (
        <Center py="xl">
          <Loader aria-label="Loading runs" />
        </Center>
      ) : list.rows.length === 0 && !list.error ? (
        <NoRuns filtered={filtered} onClear={() => setSearch({})} />
      ) : (
        <RunsTable runs={list.rows} hasMore={list.hasMore} isLoadingMore={list.isLoadingMore} onNearEnd={list.loadMore} />
      )}
    </>
  );
}

function NoRuns({ filtered, onClear }: { filtered: boolean; onClear: () => void }) {
  if (filtered)
    return (
      <EmptyState title="No run matches these filters" description="Widen the time window, or clear the filters to see every run." py="xl">
        <EmptyState.Actions>
          <Button variant="light" onClick={onClear}>
            Clear filters
          </Button>
        </EmptyState.Actions>
      </EmptyState>
    );
  return (
    <EmptyState
      title="No runs yet"
      description="A run is one execution of a pipeline: its steps, their attempts and logs, its inputs and outputs. Runs start by hand or from the API, on a schedule, from a webhook or when another run ends. Create a pipeline and start it: its run shows up here, live."
      py="xl"
    >
      <EmptyState.Actions>
        <Button component={Link} to="/pipelines">
          Create your first pipeline
        </Button>
      </EmptyState.Actions>
    </EmptyState>
  );
}
