import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { signedInAs } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { PipelinesPage } from './pipelines-page';

const pipeline = (name: string, id: string) => ({
  id,
  name,
  latestVersion: 2,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-02T00:00:00Z',
});
const stats = (name: string, runs: number, successRate: number) => ({
  pipeline: name,
  runs,
  succeeded: Math.round(runs * successRate),
  failed: runs - Math.round(runs * successRate),
  cancelled: 0,
  active: 0,
  successRate,
  durationMs: { p50: 1, p95: 1, p99: 1 },
  queueWaitMs: { p50: 1, p95: 1 },
  slaBreaches: 0,
  failuresByStep: {},
});

describe('PipelinesPage', () => {
  it("shows each pipeline's description, last run and success rate, and filters by name", async () => {
    server.use(
      signedInAs('operator'),
      http.get('*/v1/pipelines', () =>
        HttpResponse.json({
          items: [
            pipeline('daily-sales', '00000000-0000-4000-8000-000000000001'),
            pipeline('hello', '00000000-0000-4000-8000-000000000002'),
          ],
          nextCursor: null,
        }),
      ),
      http.get('*/v1/pipelines/:name', ({ params }) =>
        HttpResponse.json({
          name: params.name,
          version: 2,
          checksum: 'c',
          definition: { description: `About ${String(params.name)}` },
          pins: {},
          createdAt: '2026-01-02T00:00:00Z',
        }),
      ),
      http.get('*/v1/runs', ({ request }) => {
        const name = new URL(request.url).searchParams.get('pipeline');
        const run = { id: '6f1c0c7e-1111-4222-8333-944444444444', pipeline: name, version: 2, status: 'failed', trigger: 'api' };
        return HttpResponse.json({
          items: name === 'daily-sales' ? [{ ...run, createdAt: '2026-01-02T00:00:00Z', error: null }] : [],
          nextCursor: null,
        });
      }),
      http.get('*/v1/observability/summary', () =>
        HttpResponse.json({ window: '7d', since: '2026-01-01T00:00:00Z', pipeline: null, items: [stats('daily-sales', 20, 0.95)] }),
      ),
    );
    renderWidget(<PipelinesPage />, '/pipelines');
    const sales = (await screen.findByRole('link', { name: 'daily-sales' })).closest('tr')!;
    await waitFor(() => expect(sales).toHaveTextContent('About daily-sales'));
    expect(sales).toHaveTextContent('95% of 20');
    await waitFor(() => expect(within(sales).getByText('failed')).toBeInTheDocument());
    const hello = screen.getByRole('link', { name: 'hello' }).closest('tr')!;
    await waitFor(() => expect(hello).toHaveTextContent('never run'));

    await userEvent.type(screen.getByRole('textbox', { name: 'Search' }), 'sales');
    await waitFor(() => expect(screen.queryByRole('link', { name: 'hello' })).not.toBeInTheDocument());
    expect(screen.getByRole('link', { name: 'daily-sales' })).toBeInTheDocument();
  });
});
