import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { useState } from 'react';
import { describe, expect, it, vi } from 'vitest';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { layoutColumns, lineageGraph, type Lineage } from './lineage-graph';
import { LineageSection, type DatasetQuery } from './lineage-section';

vi.setConfig({ testTimeout: 20_000 });

const RUN_1 = '11111111-1111-4111-8111-111111111111';
const RUN_2 = '22222222-2222-4222-8222-222222222222';
const RUN_3 = '33333333-3333-4333-8333-333333333333';

/** An OpenLineage run event as the API writes them: the pipeline run is the parent facet's run. */
const event = (job: string, runId: string, eventType: string, inputs: string[], outputs: string[]) => ({
  eventType,
  eventTime: '2025-01-02T03:04:05.000Z',
  run: { runId: `step-run-of-${runId}`, facets: { parent: { run: { runId }, job: { namespace: 'baton/t', name: job.split('.')[0] } } } },
  job: { namespace: 'baton/t', name: job },
  inputs: inputs.map((name) => ({ namespace: 's3', name })),
  outputs: outputs.map((name) => ({ namespace: 's3', name })),
});

const orders: Lineage = {
  dataset: { namespace: null, name: 'orders' },
  producers: [
    { job: 'ingest.load', runId: RUN_2 },
    { job: 'ingest.load', runId: RUN_1 },
  ],
  consumers: [{ job: 'report.aggregate', runId: RUN_3 }],
  events: [
    event('ingest.load', RUN_2, 'COMPLETE', ['raw-orders'], ['orders']),
    event('ingest.load', RUN_1, 'FAIL', ['raw-orders'], ['orders']),
    event('report.aggregate', RUN_3, 'COMPLETE', ['orders', 'customers'], ['daily-report']),
  ],
};

describe(lineageGraph.name, () => {
  it('makes one node per job with its runs, the datasets on either side, and edges left to right', () => {
    const graph = lineageGraph(orders);
    expect(graph.nodes.map((n) => [n.id, n.column])).toEqual([
      ['focus', 2],
      ['producer:ingest.load', 1],
      ['upstream:s3|raw-orders', 0],
      ['consumer:report.aggregate', 3],
      ['downstream:s3|daily-report', 4],
    ]);
    const producer = graph.nodes.find((n) => n.id === 'producer:ingest.load');
    expect(producer).toMatchObject({
      kind: 'job',
      role: 'producer',
      runs: [
        { runId: RUN_2, outcome: 'COMPLETE' },
        { runId: RUN_1, outcome: 'FAIL' },
      ],
    });
    expect(graph.edges.map((e) => e.id)).toEqual([
      'producer:ingest.load->focus',
      'upstream:s3|raw-orders->producer:ingest.load',
      'focus->consumer:report.aggregate',
      'consumer:report.aggregate->downstream:s3|daily-report',
    ]);
    // What the consumer read besides the dataset is not its output: it stays out of the graph.
    expect(graph.nodes.some((n) => n.kind === 'dataset' && n.dataset.name === 'customers')).toBe(false);
  });

  it('keeps a job that both reads and writes the dataset on both sides, and survives events it cannot read', () => {
    const graph = lineageGraph({
      dataset: { namespace: 's3', name: 'ledger' },
      producers: [{ job: 'books.update', runId: RUN_1 }],
      consumers: [{ job: 'books.update', runId: RUN_1 }],
      events: [{ eventType: 'COMPLETE', eventTime: '2025-01-01T00:00:00Z', job: 'not an object' }],
    });
    expect(graph.nodes.map((n) => n.id)).toEqual(['focus', 'producer:books.update', 'consumer:books.update']);
    expect(graph.nodes[1]).toMatchObject({ runs: [{ runId: RUN_1, outcome: null }] });
  });

  it('lays columns out left to right, each centred on the middle row', () => {
    const positions = layoutColumns(lineageGraph(orders).nodes, 100, 50);
    expect(positions.get('upstream:s3|raw-orders')).toEqual({ x: 0, y: 0 });
    expect(positions.get('focus')).toEqual({ x: 200, y: 0 });
    expect(positions.get('downstream:s3|daily-report')).toEqual({ x: 400, y: 0 });
  });
});

describe(LineageSection.name, () => {
  it('searches a dataset and draws its producers and consumers, each run a link', async () => {
    const asked: URL[] = [];
    server.use(
      http.get('*/v1/lineage', ({ request }) => {
        asked.push(new URL(request.url));
        return HttpResponse.json(orders);
      }),
    );
    // The page's part: the query lives in the URL, and the section is keyed by it.
    const searches: DatasetQuery[] = [];
    function Page() {
      const [query, setQuery] = useState<DatasetQuery>({});
      return (
        <LineageSection
          key={query.dataset ?? ''}
          query={query}
          onSearch={(next) => {
            searches.push(next);
            setQuery(next);
          }}
        />
      );
    }
    renderWidget(<Page />);
    const user = userEvent.setup();
    await user.type(await screen.findByRole('textbox', { name: /^dataset/i }), ' orders ');
    await user.click(screen.getByRole('button', { name: 'Trace' }));
    expect(searches).toEqual([{ dataset: 'orders', namespace: undefined }]);
    expect(await screen.findByText(/written by 2 step runs, read by 1 step run/)).toBeInTheDocument();
    expect(asked[0].searchParams.get('dataset')).toBe('orders');
    expect(asked[0].searchParams.has('namespace')).toBe(false);
    // React Flow shows a node once it has measured it, which jsdom never lets it do: the cards are there, but hidden.
    const link = (text: string) => screen.getByText(text).closest('a');
    await screen.findByText(`run ${RUN_1.slice(0, 8)}`);
    expect(link(`run ${RUN_1.slice(0, 8)}`)).toHaveAttribute('href', `/runs/${RUN_1}`);
    expect(link(`run ${RUN_2.slice(0, 8)}`)).toHaveAttribute('href', `/runs/${RUN_2}`);
    expect(link(`run ${RUN_3.slice(0, 8)}`)).toHaveAttribute('href', `/runs/${RUN_3}`);
    expect(screen.getAllByText('Trace this dataset').map((trace) => trace.closest('a')?.getAttribute('href'))).toEqual([
      '/observability?dataset=raw-orders&namespace=s3',
      '/observability?dataset=daily-report&namespace=s3',
    ]);
  });
});
