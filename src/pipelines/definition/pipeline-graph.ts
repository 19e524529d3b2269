import { failureHandlerId, type ApprovalDefinition, type PipelineDefinition } from '../../../workers/contracts/index.js';

/** What draws a pipeline as a DAG: a pipeline version's own graph, and a run's (each node with its step's status). */
export interface GraphNode {
  id: string;
  kind: 'step' | 'approval' | 'forEach' | 'onFailure';
  uses: string | null;
  needs: string[];
  if?: boolean | string;
  /** The step's display name, when it has one. */
  name?: string;
  /** Of a `forEach` step: the expression giving its items, or how many a literal list has. */
  forEach?: { expression: string } | { items: number };
  /** Of an approval step: who may decide, and what happens when nobody does in time. */
  approval?: ApprovalDefinition;
}

export interface GraphEdge {
  /** `from` must end before `to` starts. */
  from: string;
  to: string;
}

export interface PipelineGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

/** The steps of a definition (then its `onFailure` handlers) as nodes, and their `needs` as edges. */
export function pipelineGraph(definition: PipelineDefinition): PipelineGraph {
  const nodes: GraphNode[] = Object.entries(definition.steps).map(([id, step]) => ({
    id,
    kind: step.approval ? 'approval' : step.forEach !== undefined ? 'forEach' : 'step',
    uses: step.uses ?? null,
    needs: step.needs ?? [],
    ...(step.if === undefined ? {} : { if: step.if }),
    ...(step.name === undefined ? {} : { name: step.name }),
    ...(step.forEach === undefined
      ? {}
      : { forEach: typeof step.forEach === 'string' ? { expression: step.forEach } : { items: step.forEach.length } }),
    ...(step.approval ? { approval: step.approval } : {}),
  }));
  (definition.onFailure ?? []).forEach((handler, index) => {
    nodes.push({
      id: failureHandlerId(index),
      kind: 'onFailure',
      uses: handler.uses ?? null,
      needs: [],
      ...(handler.name === undefined ? {} : { name: handler.name }),
    });
  });
  const edges = nodes.flatMap((node) => node.needs.map((from) => ({ from, to: node.id })));
  return { nodes, edges };
}
