import { Loader, Tabs } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { useQuery } from '@tanstack/react-query';
import { useNavigate, useParams, useSearch } from '@tanstack/react-router';
import { useRoleGate } from '../../auth/use-role-gate';
import { ButtonLink } from '../../components/anchor-link';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { GatedButton } from './gated-button';
import { PipelineOverviewTab } from './pipeline-overview-tab';
import { PipelineRunsTab } from './pipeline-runs-tab';
import { PipelineVersionsTab } from './pipeline-versions-tab';
import { latestVersion, pipelineKeys } from './pipelines-api';
import { RunPipelineModal } from './run-pipeline-modal';

export type DetailTab = 'overview' | 'versions' | 'runs';

export interface PipelineDetailSearch {
  tab?: DetailTab;
  /** The versions compared on the Versions tab. */
  from?: number;
  to?: number;
}

/** /pipelines/$name: one pipeline's definition, versions and runs, with Edit and Run. */
export function PipelineDetailPage() {
  const { name = '' } = useParams({ strict: false });
  const search: PipelineDetailSearch = useSearch({ strict: false });
  const navigate = useNavigate();
  const mayRun = useRoleGate('operator', 'Starting runs');
  const [running, runForm] = useDisclosure(false);
  const latest = useQuery({ queryKey: pipelineKeys.latest(name), queryFn: () => latestVersion(name) });
  const tab = search.tab ?? 'overview';
  const setSearch = (next: PipelineDetailSearch) =>
    void navigate({ to: '/pipelines/$name', params: { name }, search: next, replace: true });

  if (latest.error) return <ProblemAlert error={latest.error} title={`Could not open ${name}`} />;
  if (!latest.data) return <Loader aria-label="Loading the pipeline" />;
  const description = latest.data.definition.description;

  return (
    <>
      <PageHeader
        title={name}
        description={typeof description === 'string' ? description : `Version ${latest.data.version}`}
        actions={
          <>
            <ButtonLink variant="default" to="/pipelines/$name/edit" params={{ name }}>
              Edit
            </ButtonLink>
            <GatedButton blockedBecause={mayRun.why} onClick={runForm.open}>
              Run
            </GatedButton>
          </>
        }
      />
      <RunPipelineModal pipeline={latest.data} opened={running} onClose={runForm.close} />
      <Tabs value={tab} onChange={(next) => setSearch({ tab: (next as DetailTab) === 'overview' ? undefined : (next as DetailTab) })}>
        <Tabs.List mb="md">
          <Tabs.Tab value="overview">Overview</Tabs.Tab>
          <Tabs.Tab value="versions">Versions ({latest.data.version})</Tabs.Tab>
          <Tabs.Tab value="runs">Runs</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="overview">{tab === 'overview' && <PipelineOverviewTab pipeline={latest.data} />}</Tabs.Panel>
        <Tabs.Panel value="versions">
          {tab === 'versions' && (
            <PipelineVersionsTab
              name={name}
              from={search.from}
              to={search.to}
              onCompare={(from, to) => setSearch({ tab: 'versions', from, to })}
            />
          )}
        </Tabs.Panel>
        <Tabs.Panel value="runs">
          {tab === 'runs' && <PipelineRunsTab name={name} onRun={mayRun.why ? undefined : runForm.open} />}
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
