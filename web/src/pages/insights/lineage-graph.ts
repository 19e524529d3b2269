import type { paths } from '../../api/schema';

export type Lineage = paths['/v1/lineage']['get']['responses'][200]['content']['application/json'];

export interface DatasetRef {
  namespace: string | null;
  name: string;
}

/** One run of a job (`<pipeline>.<step>`) that touched the dataset, with how that step run ended. */
export interface JobRun {
  runId: string;
  /** The OpenLineage event type: COMPLETE, FAIL or ABORT; null when the answer held no event for it. */
  outcome: string | null;
  at: string | null;
}

/** Columns, left to right: what the producers read, the producers, the dataset, its consumers, what they wrote. */
export type LineageNode =
  | { id: string; kind: 'dataset'; column: 0 | 2 | 4; dataset: DatasetRef; focus: boolean }
  | { id: string; kind: 'job'; column: 1 | 3; job: string; role: 'producer' | 'consumer'; runs: JobRun[] };

export interface LineageEdge {
  id: string;
  source: string;
  target: string;
}

export interface LineageGraph {
  nodes: LineageNode[];
  edges: LineageEdge[];
}

interface StepRunEvent {
  job: string;
  runId: string;
  outcome: string;
  at: string;
  inputs: DatasetRef[];
  outputs: DatasetRef[];
}

const record = (value: unknown): Record<string, unknown> => (value && typeof value === 'object' ? (value as Record<string, unknown>) : {});
const datasets = (value: unknown): DatasetRef[] =>
  (Array.isArray(value) ? value : [])
    .map(record)
    .filter((d) => typeof d.name === 'string')
    .map((d) => ({ namespace: typeof d.namespace === 'string' ? d.namespace : null, name: d.name as string }));

/** The parts of an OpenLineage run event the graph needs; the pipeline run is the `parent` facet's run. */
function readEvent(event: Lineage['events'][number]): StepRunEvent | null {
  const job = record(event.job).name;
  const runId = record(record(record(record(record(event.run).facets).parent).run)).runId;
  if (typeof job !== 'string' || typeof runId !== 'string') return null;
  return { job, runId, outcome: event.eventType, at: event.eventTime, inputs: datasets(event.inputs), outputs: datasets(event.outputs) };
}

const sameDataset = (focus: DatasetRef, other: DatasetRef) =>
  other.name === focus.name && (focus.namespace === null || other.namespace === focus.namespace);
const datasetKey = (d: DatasetRef) => `${d.namespace ?? ''}|${d.name}`;

/**
 * The lineage answer as a graph: one node per job (its runs newest first, as the API lists them)
 * rather than per run, so a daily pipeline reads as one producer and not as a hundred.
 */
export function lineageGraph(lineage: Lineage): LineageGraph {
  const events = new Map<string, StepRunEvent>();
  for (const raw of lineage.events) {
    const event = readEvent(raw);
    if (event) events.set(`${event.job}|${event.runId}`, event);
  }
  const focus = lineage.dataset;
  const nodes = new Map<string, LineageNode>();
  const edges = new Map<string, LineageEdge>();
  const link = (source: string, target: string) => edges.set(`${source}->${target}`, { id: `${source}->${target}`, source, target });
  nodes.set('focus', { id: 'focus', kind: 'dataset', column: 2, dataset: focus, focus: true });

  const addJobs = (touches: Lineage['producers'], role: 'producer' | 'consumer') => {
    for (const { job, runId } of touches) {
      const id = `${role}:${job}`;
      let node = nodes.get(id);
      if (!node || node.kind !== 'job') {
        node = { id, kind: 'job', column: role === 'producer' ? 1 : 3, job, role, runs: [] };
        nodes.set(id, node);
        if (role === 'producer') link(id, 'focus');
        else link('focus', id);
      }
      const event = events.get(`${job}|${runId}`);
      if (!node.runs.some((run) => run.runId === runId)) node.runs.push({ runId, outcome: event?.outcome ?? null, at: event?.at ?? null });
      // The other side of the job: what a producer read, what a consumer wrote.
      const others = role === 'producer' ? event?.inputs : event?.outputs;
      for (const dataset of others ?? []) {
        if (sameDataset(focus, dataset)) continue;
        const datasetId = `${role === 'producer' ? 'upstream' : 'downstream'}:${datasetKey(dataset)}`;
        if (!nodes.has(datasetId))
          nodes.set(datasetId, { id: datasetId, kind: 'dataset', column: role === 'producer' ? 0 : 4, dataset, focus: false });
        if (role === 'producer') link(datasetId, id);
        else link(id, datasetId);
      }
    }
  };
  addJobs(lineage.producers, 'producer');
  addJobs(lineage.consumers, 'consumer');
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}

/** Left-to-right columns, each centred on the dataset's row: enough for a graph five columns wide. */
export function layoutColumns(nodes: LineageNode[], columnWidth = 280, rowHeight = 110) {
  const perColumn = new Map<number, LineageNode[]>();
  for (const node of nodes) perColumn.set(node.column, [...(perColumn.get(node.column) ?? []), node]);
  const positions = new Map<string, { x: number; y: number }>();
  for (const [column, members] of perColumn)
    members.forEach((node, row) => positions.set(node.id, { x: column * columnWidth, y: (row - (members.length - 1) / 2) * rowHeight }));
  return positions;
}
