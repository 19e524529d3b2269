import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { standInForLayout } from './layout-stand-in';
import { newRunSummary } from './run-fixtures';
import type { RunSummary } from './run-types';
import { RunsPage } from './runs-page';

/** Answers GET /v1/runs from `runs` (filtered by status as the API would) and records each query. */
function runsApi(runs: RunSummary[]) {
  const queries: URLSearchParams[] = [];
  server.use(
    http.get('*/v1/pipelines', () => HttpResponse.json({ items: [], nextCursor: null })),
    http.get('*/v1/runs', ({ request }) => {
      const query = new URL(request.url).searchParams;
      queries.push(query);
      const statuses = query.getAll('status');
      return HttpResponse.json({ items: runs.filter((run) => !statuses.length || statuses.includes(run.status)), nextCursor: null });
    }),
  );
  return queries;
}

describe('RunsPage', () => {
  standInForLayout();

  it('lists the runs the URL filters, and a filter changed goes to the URL and the API', async () => {
    const queries = runsApi([
      newRunSummary({ pipeline: 'nightly-etl', status: 'failed', error: { message: 'disk full', stepCode: 'ENOSPC', step: 'load' } }),
      newRunSummary({ pipeline: 'scoring', status: 'cancelled' }),
      newRunSummary({ pipeline: 'reports', status: 'succeeded' }),
    ]);
    renderWidget(<RunsPage />, '/runs?status=failed&pipeline=nightly-etl');
    const table = await screen.findByRole('table', {}, { timeout: 5_000 });
    expect(within(table).getByRole('link', { name: 'nightly-etl' })).toBeInTheDocument();
    expect(within(table).getByText('load: disk full (ENOSPC)')).toBeInTheDocument();
    expect(queries[0].getAll('status')).toEqual(['failed']);
    expect(queries[0].get('pipeline')).toBe('nightly-etl');

    const user = userEvent.setup();
    await user.click(screen.getByRole('checkbox', { name: 'cancelled' }));
    await waitFor(() => expect(queries.at(-1)!.getAll('status')).toEqual(['failed', 'cancelled']));
    expect(await within(screen.getByRole('table')).findByRole('link', { name: 'scoring' })).toBeInTheDocument();
    expect(screen.getByRole('checkbox', { name: 'failed' })).toBeChecked();
  });

  it('teaches a new tenant what runs are and sends it to create a pipeline', async () => {
    runsApi([]);
    renderWidget(<RunsPage />, '/runs');
    expect(await screen.findByText('No runs yet', {}, { timeout: 5_000 })).toBeInTheDocument();
    expect(screen.getByRole('link', { name: 'Create your first pipeline' })).toHaveAttribute('href', '/pipelines');
  });

  it('offers to clear filters that match nothing', async () => {
    const queries = runsApi([newRunSummary({ status: 'succeeded' })]);
    renderWidget(<RunsPage />, '/runs?status=timed_out');
    expect(await screen.findByText('No run matches these filters', {}, { timeout: 5_000 })).toBeInTheDocument();
    await userEvent.setup().click(screen.getAllByRole('button', { name: 'Clear filters' })[0]);
    expect(await screen.findByRole('table')).toBeInTheDocument();
    expect(queries.at(-1)!.getAll('status')).toEqual([]);
  });
});
