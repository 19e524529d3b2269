import '@xyflow/react/dist/style.css';
import { Box, Center, Group, Loader, Text, UnstyledButton, useComputedColorScheme } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { Background, Controls, Handle, Position, ReactFlow, type NodeProps } from '@xyflow/react';
import { createContext, useContext, useMemo } from 'react';
import { ProblemAlert } from '../../components/problem-alert';
import { layoutGraph, layoutKey, NODE_HEIGHT, NODE_WIDTH, toFlowElements, type StepFlowNode } from './graph-layout';
import type { RunGraph as RunGraphData } from './run-types';
import { RunStatusBadge } from '../../components/run-status-badge';

const OpenStep = createContext<(stepId: string) => void>(() => undefined);
const NODE_TYPES = { step: StepNode };

/**
 * The run's pipeline as a DAG, each step coloured by its status (loaded lazily, with React Flow
 * and ELK). A node is a button: it opens the step.
 */
export default function RunGraph({
  graph,
  selected,
  onOpenStep,
}: {
  graph: RunGraphData;
  selected: string | null;
  onOpenStep: (stepId: string) => void;
}) {
  const scheme = useComputedColorScheme('light');
  const key = layoutKey(graph);
  const layout = useQuery({ queryKey: ['graph-layout', key], queryFn: () => layoutGraph(graph), staleTime: Infinity });
  const elements = useMemo(() => (layout.data ? toFlowElements(graph, layout.data, selected) : null), [graph, layout.data, selected]);

  if (layout.error) return <ProblemAlert error={layout.error} title="The graph could not be laid out" />;
  if (!elements)
    return (
      <Center h={200}>
        <Loader size="sm" aria-label="Laying the graph out" />
      </Center>
    );
  return (
    <OpenStep.Provider value={onOpenStep}>
      <Box h={{ base: 360, sm: 460 }} bd="1px solid var(--mantine-color-default-border)" style={{ borderRadius: 4 }}>
        <ReactFlow
          nodes={elements.nodes}
          edges={elements.edges}
          nodeTypes={NODE_TYPES}
          colorMode={scheme}
          fitView
          minZoom={0.2}
          nodesDraggable={false}
          nodesConnectable={false}
          nodesFocusable={false}
          edgesFocusable={false}
          elementsSelectable={false}
          proOptions={{ hideAttribution: true }}
          aria-label="The pipeline's steps and their order"
        >
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </Box>
    </OpenStep.Provider>
  );
}

function StepNode({ data }: NodeProps<StepFlowNode>) {
  const open = useContext(OpenStep);
  const { node, tone, label, selected } = data;
  return (
    <>
      <Handle type="target" position={Position.Left} isConnectable={false} />
      <UnstyledButton
        onClick={() => open(node.id)}
        aria-label={`Step ${label}: ${node.status.replace('_', ' ')}. Open it`}
        w={NODE_WIDTH}
        h={NODE_HEIGHT}
        px="xs"
        py={6}
        bg={tone.background}
        bd={`${selected ? 3 : 2}px ${tone.dashed ? 'dashed' : 'solid'} ${tone.border}`}
        style={{ borderRadius: 6 }}
      >
        <Group justify="space-between" gap={4} wrap="nowrap">
          <Text size="sm" fw={600} truncate>
            {label}
          </Text>
          <RunStatusBadge status={node.status} size="xs" />
        </Group>
        <Text size="xs" c="dimmed" truncate>
          {node.kind === 'approval' ? 'approval' : node.kind === 'forEach' ? `for each · ${node.uses ?? ''}` : (node.uses ?? node.kind)}
        </Text>
      </UnstyledButton>
      <Handle type="source" position={Position.Right} isConnectable={false} />
    </>
  );
}
