import '@xyflow/react/dist/style.css';
import { Badge, Group, Paper, Stack, Text, useComputedColorScheme } from '@mantine/core';
import { Background, Controls, Handle, MarkerType, Position, ReactFlow, type Edge, type Node, type NodeProps } from '@xyflow/react';
import { useMemo } from 'react';
import { layoutColumns, type JobRun, type LineageGraph, type LineageNode } from './lineage-graph';
import { AnchorLink } from '../../components/anchor-link';

type FlowNode = Node<{ node: LineageNode }, 'lineage'>;

/** Runs listed on a job's card; the rest are counted (the run list filtered by pipeline has them all). */
const RUNS_SHOWN = 3;
const OUTCOME_COLOR: Record<string, string> = { COMPLETE: 'green', FAIL: 'red', ABORT: 'gray' };

function RunLinks({ runs }: { runs: JobRun[] }) {
  return (
    <Stack gap={2}>
      {runs.slice(0, RUNS_SHOWN).map((run) => (
        <Group key={run.runId} gap={6} wrap="nowrap">
          <AnchorLink to="/runs/$runId" params={{ runId: run.runId }} size="xs" ff="monospace" className="nodrag">
            run {run.runId.slice(0, 8)}
          </AnchorLink>
          {run.outcome && (
            <Badge size="xs" variant="light" color={OUTCOME_COLOR[run.outcome] ?? 'gray'}>
              {run.outcome.toLowerCase()}
            </Badge>
          )}
        </Group>
      ))}
      {runs.length > RUNS_SHOWN && (
        <Text size="xs" c="dimmed">
          and {runs.length - RUNS_SHOWN} earlier run{runs.length - RUNS_SHOWN === 1 ? '' : 's'}
        </Text>
      )}
    </Stack>
  );
}

function LineageCard({ data: { node } }: NodeProps<FlowNode>) {
  const focus = node.kind === 'dataset' && node.focus;
  return (
    <Paper
      withBorder
      shadow={focus ? 'sm' : undefined}
      p="xs"
      w={230}
      bd={focus ? '2px solid var(--mantine-primary-color-filled)' : undefined}
    >
      {node.column > 0 && <Handle type="target" position={Position.Left} isConnectable={false} />}
      {node.kind === 'dataset' ? (
        <Stack gap={2}>
          <Text size="xs" c="dimmed">
            {focus ? 'Dataset' : node.column === 0 ? 'Read by the producer' : 'Written by the consumer'}
            {node.dataset.namespace ? ` · ${node.dataset.namespace}` : ''}
          </Text>
          <Text size="sm" fw={600} style={{ overflowWrap: 'anywhere' }}>
            {node.dataset.name}
          </Text>
          {!focus && (
            <AnchorLink
              to="/observability"
              search={(previous) => ({
                ...previous,
                dataset: node.dataset.name,
                namespace: node.dataset.namespace ?? undefined,
              })}
              size="xs"
              className="nodrag"
            >
              Trace this dataset
            </AnchorLink>
          )}
        </Stack>
      ) : (
        <Stack gap={4}>
          <Text size="xs" c="dimmed">
            {node.role === 'producer' ? 'Producer' : 'Consumer'} · {node.runs.length} run{node.runs.length === 1 ? '' : 's'}
          </Text>
          <Text size="sm" fw={600} ff="monospace" style={{ overflowWrap: 'anywhere' }}>
            {node.job}
          </Text>
          <RunLinks runs={node.runs} />
        </Stack>
      )}
      {node.column < 4 && <Handle type="source" position={Position.Right} isConnectable={false} />}
    </Paper>
  );
}

const nodeTypes = { lineage: LineageCard };

const describe = (node: LineageNode) =>
  node.kind === 'dataset'
    ? `Dataset ${node.dataset.name}`
    : `${node.role === 'producer' ? 'Producer' : 'Consumer'} ${node.job}, ${node.runs.length} run${node.runs.length === 1 ? '' : 's'}`;

/** The lineage graph drawn with React Flow; loaded on first use (see LazyLineageFlow), as React Flow is large. */
export function LineageFlow({ graph }: { graph: LineageGraph }) {
  const colorMode = useComputedColorScheme('light');
  const { nodes, edges } = useMemo(() => {
    const positions = layoutColumns(graph.nodes);
    const nodes: FlowNode[] = graph.nodes.map((node) => ({
      id: node.id,
      type: 'lineage',
      position: positions.get(node.id)!,
      data: { node },
      ariaLabel: describe(node),
      // React Flow turns pointer events off on nodes that cannot be selected or dragged: the links on the cards need them.
      style: { pointerEvents: 'all' },
    }));
    const edges: Edge[] = graph.edges.map((edge) => ({ ...edge, markerEnd: { type: MarkerType.ArrowClosed } }));
    return { nodes, edges };
  }, [graph]);
  return (
    <ReactFlow
      nodes={nodes}
      edges={edges}
      nodeTypes={nodeTypes}
      colorMode={colorMode}
      nodesDraggable={false}
      nodesConnectable={false}
      elementsSelectable={false}
      fitView
      minZoom={0.2}
    >
      <Background />
      <Controls showInteractive={false} />
    </ReactFlow>
  );
}
