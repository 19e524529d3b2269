import { Box, Button, Group, Paper, Skeleton, Stack, Text, TextInput, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { lazy, Suspense, useMemo, useState, type FormEvent } from 'react';
import { api, ok } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import { ProblemAlert } from '../../components/problem-alert';
import { lineageGraph } from './lineage-graph';

const LineageFlow = lazy(() => import('./lineage-flow').then((module) => ({ default: module.LineageFlow })));

export interface DatasetQuery {
  dataset?: string;
  namespace?: string;
}

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/**
 * A dataset search (kept in the URL by the page) and who wrote and read that dataset, as a graph.
 * The page keys it by the query, so a link or the back button refills the form.
 */
export function LineageSection({ query, onSearch }: { query: DatasetQuery; onSearch: (next: DatasetQuery) => void }) {
  const [dataset, setDataset] = useState(query.dataset ?? '');
  const [namespace, setNamespace] = useState(query.namespace ?? '');
  const lineage = useQuery({
    queryKey: ['lineage', query.dataset, query.namespace],
    queryFn: () => ok(api.GET('/v1/lineage', { params: { query: { dataset: query.dataset!, namespace: query.namespace } } })),
    enabled: Boolean(query.dataset),
  });
  const graph = useMemo(() => (lineage.data ? lineageGraph(lineage.data) : null), [lineage.data]);
  const problem = lineage.error instanceof ApiProblem ? lineage.error : undefined;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    onSearch({ dataset: dataset.trim() || undefined, namespace: namespace.trim() || undefined });
  };

  return (
    <Stack gap="sm">
      <Title order={2} size="h3">
        Dataset lineage
      </Title>
      <form onSubmit={submit} role="search" aria-label="Dataset lineage">
        <Group align="flex-start" gap="sm">
          <TextInput
            label="Dataset"
            placeholder="s3://lake/orders/2024.ndjson"
            required
            w={{ base: '100%', sm: 320 }}
            value={dataset}
            onChange={(e) => setDataset(e.currentTarget.value)}
            error={problem?.about('query.dataset')}
          />
          <TextInput
            label="Namespace"
            description="Optional: only the dataset in this namespace"
            w={{ base: '100%', sm: 220 }}
            value={namespace}
            onChange={(e) => setNamespace(e.currentTarget.value)}
            error={problem?.about('query.namespace')}
          />
          <Button type="submit" mt={{ base: 0, sm: 25 }} loading={lineage.isFetching}>
            Trace
          </Button>
        </Group>
      </form>
      <ProblemAlert error={lineage.error} title="Could not load the lineage" />
      {!query.dataset && (
        <Text c="dimmed" size="sm">
          Name a dataset a step read or wrote (as the step&apos;s lineage record names it: a file, a table, an object key) to see which
          pipeline steps produced it, which consumed it, and the runs that did. Steps record lineage with <code>ctx.lineage</code>; the
          files, postgres, transform and ml plugins do it for you.
        </Text>
      )}
      {lineage.isPending && query.dataset && <Skeleton h={420} />}
      {lineage.data && graph && (
        <>
          <Text size="sm" aria-live="polite">
            <strong>{lineage.data.dataset.name}</strong>: written by {plural(lineage.data.producers.length, 'step run')}, read by{' '}
            {plural(lineage.data.consumers.length, 'step run')}.
          </Text>
          {graph.nodes.length === 1 ? (
            <Paper withBorder p="md">
              <Text size="sm">
                No step recorded reading or writing this dataset. Check the name as the step reports it (the run&apos;s events list its
                lineage records), or leave the namespace out.
              </Text>
            </Paper>
          ) : (
            <Box h={{ base: 360, sm: 460 }} bd="1px solid var(--mantine-color-default-border)">
              <Suspense fallback={<Skeleton h="100%" />}>
                <LineageFlow graph={graph} />
              </Suspense>
            </Box>
          )}
        </>
      )}
    </Stack>
  );
}
