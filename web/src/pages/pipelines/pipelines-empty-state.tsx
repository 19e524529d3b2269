import { Card, List, Stack, Text, Title } from '@mantine/core';
import { useNavigate } from '@tanstack/react-router';
import { PageHeader } from '../../components/page-header';
import { GatedButton } from './gated-button';

/** The first screen after sign-up: what a pipeline is, and one to start from (README's hello example). */
export function PipelinesEmptyState({ blockedBecause }: { blockedBecause?: string }) {
  const navigate = useNavigate();
  return (
    <>
      <PageHeader title="Pipelines" description="This tenant has no pipelines yet." />
      <Card withBorder padding="lg" maw={720}>
        <Stack gap="sm">
          <Title order={2} size="h4">
            What is a pipeline?
          </Title>
          <Text size="sm">
            A pipeline is a short YAML document: the <b>inputs</b> a run takes, and the <b>steps</b> it runs. Each step uses a plugin step
            (such as <code>core/echo</code>, <code>http/request</code> or <code>postgres/query</code>) and can wait for the steps it{' '}
            <b>needs</b> and pass their outputs on.
          </Text>
          <List size="sm" spacing={4}>
            <List.Item>Saving a pipeline checks it and makes a version; every change adds one.</List.Item>
            <List.Item>Runs start from here, on a schedule, from a webhook, or when another pipeline ends.</List.Item>
            <List.Item>Each run shows its steps, logs and outputs as they happen.</List.Item>
          </List>
          <Text size="sm">
            The first one says hello: it echoes a greeting, then shouts it in capitals. Open it in the editor, save it, and run it.
          </Text>
          <div>
            <GatedButton
              blockedBecause={blockedBecause}
              onClick={() => void navigate({ to: '/pipelines/new', search: { example: 'hello' } })}
            >
              Create your first pipeline
            </GatedButton>
          </div>
        </Stack>
      </Card>
    </>
  );
}
