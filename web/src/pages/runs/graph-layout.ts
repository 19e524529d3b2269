import type { Edge, MarkerType, Node } from '@xyflow/react';
import type { ElkNode } from 'elkjs/lib/elk-api';
import { statusTone, type StatusTone } from './run-status';
import type { GraphNode, RunGraph } from './run-types';

export const NODE_WIDTH = 210;
export const NODE_HEIGHT = 62;

export type Positions = Record<string, { x: number; y: number }>;

export interface StepNodeData extends Record<string, unknown> {
  node: GraphNode;
  label: string;
  tone: StatusTone;
  selected: boolean;
}
export type StepFlowNode = Node<StepNodeData, 'step'>;

const known = (graph: Pick<RunGraph, 'nodes'>) => new Set(graph.nodes.map((node) => node.id));

/** Only the shape matters to the layout: a status change must not move the nodes (nor lay them out again). */
export const layoutKey = (graph: Pick<RunGraph, 'nodes' | 'edges'>) =>
  `${graph.nodes.map((n) => n.id).join(',')}|${graph.edges.map((e) => `${e.from}>${e.to}`).join(',')}`;

/** The graph as ELK takes it: left to right, one layer per dependency depth. */
export function toElkGraph(graph: Pick<RunGraph, 'nodes' | 'edges'>): ElkNode {
  const ids = known(graph);
  return {
    id: 'root',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'RIGHT',
      'elk.layered.spacing.nodeNodeBetweenLayers': '56',
      'elk.spacing.nodeNode': '28',
    },
    children: graph.nodes.map((node) => ({ id: node.id, width: NODE_WIDTH, height: NODE_HEIGHT })),
    edges: graph.edges
      .filter((edge) => ids.has(edge.from) && ids.has(edge.to))
      .map((edge) => ({ id: `${edge.from}>${edge.to}`, sources: [edge.from], targets: [edge.to] })),
  };
}

let elk: Promise<{ layout(graph: ElkNode): Promise<ElkNode> }> | undefined;

/** Where each node goes, computed by ELK (loaded on first use: it is large and only the graph needs it). */
export async function layoutGraph(graph: Pick<RunGraph, 'nodes' | 'edges'>): Promise<Positions> {
  elk ??= import('elkjs/lib/elk.bundled.js').then(({ default: ELK }) => new ELK());
  const laidOut = await (await elk).layout(toElkGraph(graph));
  return Object.fromEntries((laidOut.children ?? []).map((child) => [child.id, { x: child.x ?? 0, y: child.y ?? 0 }]));
}

/** The laid-out graph as React Flow draws it: each node coloured by its step's status in the run. */
export function toFlowElements(graph: RunGraph, positions: Positions, selected: string | null): { nodes: StepFlowNode[]; edges: Edge[] } {
  const ids = known(graph);
  const status = new Map(graph.nodes.map((node) => [node.id, node.status]));
  const nodes = graph.nodes.map((node): StepFlowNode => ({
    id: node.id,
    type: 'step',
    position: positions[node.id] ?? { x: 0, y: 0 },
    width: NODE_WIDTH,
    height: NODE_HEIGHT,
    data: { node, label: node.name ?? node.id, tone: statusTone(node.status), selected: node.id === selected },
  }));
  const edges = graph.edges
    .filter((edge) => ids.has(edge.from) && ids.has(edge.to))
    .map((edge): Edge => ({
      id: `${edge.from}>${edge.to}`,
      source: edge.from,
      target: edge.to,
      // Flowing into what runs now; faint into what did not run.
      animated: status.get(edge.to) === 'running',
      markerEnd: { type: 'arrowclosed' as MarkerType },
      style: status.get(edge.to) === 'skipped' ? { strokeDasharray: '4 4', opacity: 0.5 } : undefined,
    }));
  return { nodes, edges };
}
