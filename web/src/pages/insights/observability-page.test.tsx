import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { problem } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { ObservabilityPage } from './observability-page';
import { parseObservabilitySearch, windowChoices, windowOf, withWindow } from './observability-search';
import {
  mostFailingSteps,
  pipelineChartRows,
  slowestSteps,
  worstStep,
  type PipelineStats,
  type StepStats,
  type Summary,
} from './observability-stats';

vi.setConfig({ testTimeout: 20_000 });

// recharts draws nothing measurable in jsdom and is slow to load there: the stand-in shows the data each chart was given.
vi.mock('../../components/insights-bar-chart', () => ({
  InsightsBarChart: ({ data, series }: { data: object[]; series: { name: string }[] }) => (
    <output aria-label={`chart of ${series.map((s) => s.name).join(', ')}`}>{JSON.stringify(data)}</output>
  ),
}));

const stats = (pipeline: string, over: Partial<PipelineStats> = {}): PipelineStats => ({
  pipeline,
  runs: 10,
  succeeded: 8,
  failed: 2,
  cancelled: 0,
  active: 0,
  successRate: 0.8,
  durationMs: { p50: 1_500, p95: 12_340, p99: 20_000 },
  queueWaitMs: { p50: 100, p95: 900 },
  slaBreaches: 0,
  failuresByStep: {},
  ...over,
});

const step = (uses: string, over: Partial<StepStats> = {}): StepStats => ({
  uses,
  calls: 10,
  failures: 0,
  failureRate: 0,
  retries: 0,
  p95Ms: 1_000,
  ...over,
});

const summaryOf = (items: PipelineStats[], totals: Partial<Summary['totals']> = {}): Summary => ({
  window: '24h',
  since: new Date().toISOString(),
  pipeline: null,
  totals: {
    runs: 37,
    succeeded: 30,
    failed: 6,
    cancelled: 1,
    active: 0,
    successRate: 0.8108,
    durationMs: { p50: 2_000, p95: 61_000, p99: 90_000 },
    queueWaitMs: { p50: 250, p95: 4_000 },
    slaBreaches: 3,
    ...totals,
  },
  items,
});

describe('observability statistics', () => {
  it('charts the busiest pipelines with success in percent and durations in seconds', () => {
    const rows = pipelineChartRows(
      [
        stats('quiet', { runs: 2, successRate: null, durationMs: { p50: null, p95: null, p99: null } }),
        stats('busy', { runs: 30, successRate: 0.9667, durationMs: { p50: 1_540, p95: 12_360, p99: 20_000 } }),
        stats('middle', { runs: 10 }),
      ],
      2,
    );
    expect(rows).toEqual([
      { pipeline: 'busy', successPercent: 96.7, p50Seconds: 1.5, p95Seconds: 12.4 },
      { pipeline: 'middle', successPercent: 80, p50Seconds: 1.5, p95Seconds: 12.3 },
    ]);
    expect(pipelineChartRows([stats('quiet', { successRate: null, durationMs: { p50: null, p95: null, p99: null } })])).toEqual([
      { pipeline: 'quiet', successPercent: null, p50Seconds: null, p95Seconds: null },
    ]);
  });

  it('points at the step that failed most, and ranks step types by p95 and by failures', () => {
    expect(worstStep({ extract: 1, load: 4, clean: 0 })).toEqual({ step: 'load', failures: 4 });
    expect(worstStep({ extract: 0 })).toBeNull();
    const items = [
      step('http/get', { p95Ms: 300, failures: 5, failureRate: 0.5 }),
      step('postgres/query', { p95Ms: 9_000, failures: 5, failureRate: 0.1 }),
      step('ml/train', { p95Ms: null, failures: 0 }),
      step('files/read', { p95Ms: 40_000, failures: 1, failureRate: 0.01 }),
    ];
    expect(slowestSteps(items).map((s) => s.uses)).toEqual(['files/read', 'postgres/query', 'http/get']);
    expect(mostFailingSteps(items).map((s) => s.uses)).toEqual(['http/get', 'postgres/query', 'files/read']);
  });

  it('maps the window to and from the URL, leaving the default out', () => {
    expect(parseObservabilitySearch({})).toEqual({});
    expect(windowOf(parseObservabilitySearch({}))).toBe('24h');
    expect(parseObservabilitySearch({ window: '24h', pipeline: 'etl' })).toEqual({ pipeline: 'etl' });
    expect(parseObservabilitySearch({ window: '1w' }).window).toBe('1w');
    expect(parseObservabilitySearch({ window: '1d12h' }).window).toBe('1d12h');
    for (const junk of ['yesterday', '-1h', 7, '']) expect(parseObservabilitySearch({ window: junk }).window).toBeUndefined();
    expect(withWindow({ window: '30d', dataset: 'orders' }, '24h')).toEqual({ dataset: 'orders' });
    expect(withWindow({ dataset: 'orders' }, '1h')).toEqual({ window: '1h', dataset: 'orders' });
    expect(windowChoices('12h').map((c) => c.value)).toEqual(['1h', '24h', '1w', '30d', '90d', '12h']);
  });
});

describe(ObservabilityPage.name, () => {
  const serve = (summary: Summary, steps: StepStats[], asked: URL[] = []) =>
    server.use(
      http.get('*/v1/observability/summary', ({ request }) => {
        asked.push(new URL(request.url));
        return HttpResponse.json(summary);
      }),
      http.get('*/v1/observability/steps', () => HttpResponse.json({ window: '24h', since: summary.since, items: steps })),
      http.get('*/v1/pipelines', () => HttpResponse.json({ items: [], nextCursor: null })),
    );

  it("shows the API's totals, a row per pipeline with where it fails most, and the costliest steps", async () => {
    serve(summaryOf([stats('nightly-etl', { failuresByStep: { load: 2 }, slaBreaches: 1 }), stats('train-model', { runs: 27 })]), [
      step('postgres/query', { p95Ms: 65_000, failures: 3, failureRate: 0.3 }),
    ]);
    renderWidget(<ObservabilityPage />);
    const totals = await screen.findByLabelText('Totals');
    expect(within(totals).getByText('37')).toBeInTheDocument();
    expect(within(totals).getByText('81.1%')).toBeInTheDocument();
    expect(within(totals).getByText('6 failed, 1 cancelled')).toBeInTheDocument();
    expect(within(totals).getByText('1 min 01 s', { exact: false })).toBeInTheDocument();
    const successChart = await screen.findByLabelText('chart of successPercent');
    expect(JSON.parse(successChart.textContent)).toEqual([
      { pipeline: 'train-model', successPercent: 80, p50Seconds: 1.5, p95Seconds: 12.3 },
      { pipeline: 'nightly-etl', successPercent: 80, p50Seconds: 1.5, p95Seconds: 12.3 },
    ]);
    const row = screen.getByRole('row', { name: /nightly-etl/ });
    expect(row).toHaveTextContent('80.0%');
    expect(row).toHaveTextContent('load (2×)');
    expect(screen.getByRole('heading', { name: 'Slowest steps' })).toBeInTheDocument();
    expect(screen.getAllByRole('row', { name: /postgres\/query/ })).toHaveLength(2);
  });

  it('asks for the window in the URL and puts a picked window there', async () => {
    const asked: URL[] = [];
    serve(summaryOf([stats('nightly-etl')]), [], asked);
    renderWidget(<ObservabilityPage />, '/observability?window=30d&pipeline=nightly-etl');
    await screen.findByLabelText('Totals');
    expect(asked.at(-1)?.searchParams.get('window')).toBe('30d');
    expect(asked.at(-1)?.searchParams.get('pipeline')).toBe('nightly-etl');
    expect(screen.getByRole('radio', { name: '30d' })).toBeChecked();

    await userEvent.setup().click(screen.getByText('1h'));
    await waitFor(() => expect(asked.at(-1)?.searchParams.get('window')).toBe('1h'));
    expect(asked.at(-1)?.searchParams.get('pipeline')).toBe('nightly-etl');
    expect(screen.getByRole('radio', { name: '1h' })).toBeChecked();
  });

  it("shows the API's word on a hand-written window next to the window control", async () => {
    serve(summaryOf([]), []);
    server.use(
      http.get('*/v1/observability/summary', () =>
        problem(400, 'invalid_request', 'The request has 1 problem(s)', [
          { path: 'query.window', message: 'Must be a duration from 1s to 90d, such as 30m, 24h, 7d or 1w' },
        ]),
      ),
    );
    renderWidget(<ObservabilityPage />, '/observability?window=400d');
    expect(await screen.findByText('Must be a duration from 1s to 90d, such as 30m, 24h, 7d or 1w')).toBeInTheDocument();
    expect(screen.getByRole('radio', { name: '400d' })).toBeChecked();
  });

  it('teaches what to do when the window holds no runs', async () => {
    serve(summaryOf([]), []);
    renderWidget(<ObservabilityPage />, '/observability?window=1h');
    expect(await screen.findByText('No runs started in the last hour.')).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Pipelines' })).toBeInTheDocument();
  });
});
