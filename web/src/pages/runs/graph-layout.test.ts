import { describe, expect, it } from 'vitest';
import { layoutGraph, layoutKey, toElkGraph, toFlowElements } from './graph-layout';
import type { GraphNode, RunGraph } from './run-types';

const node = (id: string, status: GraphNode['status'], needs: string[] = [], extra: Partial<GraphNode> = {}): GraphNode => ({
  id,
  kind: 'step',
  uses: 'core/noop@1',
  needs,
  status,
  ...extra,
});

const graph: RunGraph = {
  nodes: [
    node('extract', 'succeeded'),
    node('transform', 'running', ['extract']),
    node('gate', 'waiting', ['transform'], {
      kind: 'approval',
      uses: null,
      approval: { roles: ['admin'], timeout: '1h', onTimeout: 'reject' },
    }),
    node('load', 'skipped', ['gate'], { name: 'Load the warehouse' }),
  ],
  edges: [
    { from: 'extract', to: 'transform' },
    { from: 'transform', to: 'gate' },
    { from: 'gate', to: 'load' },
  ],
};

describe('run graph layout', () => {
  it('colours each node by its step status and marks the edges into running and skipped steps', () => {
    const { nodes, edges } = toFlowElements(graph, { extract: { x: 0, y: 0 } }, 'gate');
    const tone = Object.fromEntries(nodes.map((n) => [n.id, n.data.tone]));
    expect(tone.extract).toMatchObject({ color: 'teal', border: 'var(--mantine-color-teal-filled)', dashed: false });
    expect(tone.transform.color).toBe('blue');
    expect(tone.gate.color).toBe('yellow');
    expect(tone.load).toMatchObject({ color: 'gray', dashed: true });
    expect(nodes.find((n) => n.id === 'load')!.data.label).toBe('Load the warehouse');
    expect(nodes.filter((n) => n.data.selected).map((n) => n.id)).toEqual(['gate']);
    expect(nodes.find((n) => n.id === 'transform')!.position).toEqual({ x: 0, y: 0 });
    expect(edges.map((e) => [e.source, e.target, e.animated])).toEqual([
      ['extract', 'transform', true],
      ['transform', 'gate', false],
      ['gate', 'load', false],
    ]);
    expect(edges[2].style).toMatchObject({ strokeDasharray: '4 4' });
  });

  it('ignores edges to unknown nodes rather than failing the layout', () => {
    const elk = toElkGraph({ nodes: graph.nodes, edges: [...graph.edges, { from: 'load', to: 'ghost' }] });
    expect(elk.edges).toHaveLength(3);
    expect(elk.children!.map((c) => c.id)).toEqual(['extract', 'transform', 'gate', 'load']);
  });

  it('lays the steps out left to right in dependency order, and a status change does not change the layout key', async () => {
    const positions = await layoutGraph(graph);
    expect(positions.extract.x).toBeLessThan(positions.transform.x);
    expect(positions.transform.x).toBeLessThan(positions.gate.x);
    expect(positions.gate.x).toBeLessThan(positions.load.x);
    const later = { ...graph, nodes: graph.nodes.map((n) => ({ ...n, status: 'succeeded' as const })) };
    expect(layoutKey(later)).toBe(layoutKey(graph));
    expect(layoutKey({ ...graph, edges: graph.edges.slice(1) })).not.toBe(layoutKey(graph));
  });
});
