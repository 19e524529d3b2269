import { Badge, Center, Loader, SimpleGrid, Stack, Tabs, Text, Title } from '@mantine/core';
import { useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { lazy, Suspense, useState } from 'react';
import { useMe } from '../../auth/use-me';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { ApprovalPanel } from './approval-panel';
import { useNow } from './elapsed';
import { JsonBlock } from './json-block';
import { RunActions } from './run-actions';
import { RunGantt } from './run-gantt';
import { RunLogs } from './run-logs';
import { parseRunSearch, type RunSearch, type RunTab } from './run-search';
import { RunSummary } from './run-summary';
import { StepDrawer, StepError } from './step-drawer';
import { useRun, type LiveMode } from './use-run';

// React Flow and ELK are the heaviest code of the console: loaded only when a graph is shown.
const RunGraph = lazy(() => import('./run-graph'));

/** /runs/$runId: one run, live while it is active: its graph, timeline, logs, data, and what can be done with it. */
export function RunPage() {
  const runId = useParams({ strict: false }).runId ?? '';
  // Keyed: another run (after a retry) starts with fresh page state.
  return <RunDetails key={runId} runId={runId} />;
}

export function RunDetails({ runId }: { runId: string }) {
  const search = parseRunSearch(useSearch({ strict: false }));
  const navigate = useNavigate();
  const setSearch = (patch: RunSearch) =>
    void navigate({ to: '/runs/$runId', params: { runId }, search: { ...search, ...patch }, replace: true });
  const me = useMe();
  const { run, live } = useRun(runId);
  const now = useNow(live !== 'ended');
  const [logStep, setLogStep] = useState<string | null>(null);

  if (run.isPending)
    return (
      <Center py="xl">
        <Loader aria-label="Loading the run" />
      </Center>
    );
  if (run.error)
    return (
      <>
        <PageHeader title="Run" />
        <ProblemAlert error={run.error} title="This run could not be loaded" />
      </>
    );

  const view = run.data;
  const role = me.data?.role;
  const openStep = (step: string) => setSearch({ step });
  const waiting = (view.graph?.nodes ?? []).filter((node) => node.kind === 'approval' && node.status === 'waiting');
  return (
    <>
      <PageHeader
        title={`${view.pipeline} run`}
        description={
          <>
            {view.id} <LiveBadge live={live} />
          </>
        }
        actions={<RunActions run={view} role={role} />}
      />
      <RunSummary run={view} now={now} />
      <Stack gap="md" mb="md">
        {view.error && <StepError error={view.error} />}
        {waiting.map((node) => (
          <ApprovalPanel key={node.id} runId={view.id} step={node} role={role} />
        ))}
      </Stack>
      <Tabs value={search.tab ?? 'graph'} onChange={(tab) => setSearch({ tab: (tab as RunTab) ?? undefined })} keepMounted={false}>
        <Tabs.List mb="md">
          <Tabs.Tab value="graph">Graph</Tabs.Tab>
          <Tabs.Tab value="timeline">Timeline</Tabs.Tab>
          <Tabs.Tab value="logs">Logs</Tabs.Tab>
          <Tabs.Tab value="data">Inputs and outputs</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="graph">
          {view.graph ? (
            <Suspense fallback={<Loader size="sm" aria-label="Loading the graph" />}>
              <RunGraph graph={view.graph} selected={search.step ?? null} onOpenStep={openStep} />
            </Suspense>
          ) : (
            <Text c="dimmed">This run has no graph: its pipeline version predates graphs.</Text>
          )}
        </Tabs.Panel>
        <Tabs.Panel value="timeline">
          <RunGantt steps={view.steps} now={now} onOpenStep={openStep} />
        </Tabs.Panel>
        <Tabs.Panel value="logs">
          <RunLogs
            runId={view.id}
            active={live !== 'ended'}
            // Only steps that started have lines (the API answers 404 step_not_found for the others).
            steps={view.steps.map((step) => step.id)}
            step={logStep}
            onStepChange={setLogStep}
          />
        </Tabs.Panel>
        <Tabs.Panel value="data">
          <SimpleGrid cols={{ base: 1, md: 2 }}>
            <Stack gap="xs">
              <Title order={2} size="h4">
                Inputs
              </Title>
              <JsonBlock value={view.inputs} label="Inputs of the run" empty="No inputs" />
            </Stack>
            <Stack gap="xs">
              <Title order={2} size="h4">
                Outputs
              </Title>
              <JsonBlock
                value={view.outputs}
                label="Outputs of the run"
                empty={live === 'ended' ? 'No outputs' : 'Not yet: the run is still going'}
              />
            </Stack>
          </SimpleGrid>
        </Tabs.Panel>
      </Tabs>
      <StepDrawer
        run={view}
        stepId={search.step ?? null}
        role={role}
        now={now}
        onClose={() => setSearch({ step: undefined })}
        onShowLogs={(step) => {
          setLogStep(step);
          setSearch({ step: undefined, tab: 'logs' });
        }}
      />
    </>
  );
}

function LiveBadge({ live }: { live: LiveMode }) {
  if (live === 'ended') return null;
  return (
    <Badge color="blue" variant="dot" size="sm" component="span">
      {live === 'streaming' ? 'live' : 'refreshing every 5 s'}
    </Badge>
  );
}
