import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import type { Role } from '../../auth/use-me';
import { signedInAs } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { newRunView, newStep } from './run-fixtures';
import { RunDetails } from './run-page';

const RUN = '5d3c1f0e-8a3b-4c55-9a57-0c9f1e2b7a10';
const failedRun = newRunView({
  id: RUN,
  status: 'failed',
  inputs: { day: '2025-05-01' },
  error: { message: 'Step load failed: disk full', code: 'step_failed', stepCode: 'ENOSPC', step: 'load' },
  steps: [
    newStep({
      id: 'extract',
      outputs: { rows: 120 },
      attempts: [{ attempt: 1, queuedAt: null, startedAt: '2025-05-01T10:00:00Z', endedAt: '2025-05-01T10:00:10Z', status: 'succeeded' }],
    }),
    newStep({
      id: 'load',
      status: 'failed',
      attempt: 2,
      input: { table: 'sales', password: '[secret PG]' },
      error: { message: 'disk full', code: 'step_failed', stepCode: 'ENOSPC' },
      attempts: [
        { attempt: 1, queuedAt: null, startedAt: '2025-05-01T10:00:10Z', endedAt: '2025-05-01T10:00:12Z', status: 'failed' },
        { attempt: 2, queuedAt: null, startedAt: '2025-05-01T10:00:20Z', endedAt: '2025-05-01T10:00:22Z', status: 'failed' },
      ],
    }),
  ],
});

function api(role: Role) {
  const retries: unknown[] = [];
  server.use(
    signedInAs(role),
    http.get(`*/v1/runs/${RUN}`, () => HttpResponse.json(failedRun)),
    http.post(`*/v1/runs/${RUN}/retry`, async ({ request }) => {
      retries.push(await request.json());
      return HttpResponse.json(
        { id: crypto.randomUUID(), status: 'queued', pipeline: 'nightly-etl', version: 3, retryOf: RUN, otherRetries: [] },
        { status: 202 },
      );
    }),
  );
  return retries;
}

describe('RunDetails', () => {
  it("shows an ended run's error, its attempts in time, and the step the URL opens", async () => {
    api('viewer');
    renderWidget(<RunDetails runId={RUN} />, `/runs/${RUN}?tab=timeline&step=load`);
    expect(await screen.findByRole('heading', { level: 1, name: 'nightly-etl run' }, { timeout: 5_000 })).toBeInTheDocument();
    expect(screen.getByText('Step load failed: disk full')).toBeInTheDocument();
    expect(screen.getByRole('list', { name: 'Attempts of load' }).children).toHaveLength(2);
    const drawer = await screen.findByRole('dialog');
    expect(within(drawer).getByRole('heading', { name: 'Step load' })).toBeInTheDocument();
    expect(within(drawer).getByText(/step code ENOSPC/)).toBeInTheDocument();
    expect(within(drawer).getByLabelText('Inputs of load')).toHaveTextContent('"password": "[secret PG]"');
    expect(screen.getByText('Cancelling and retrying runs needs the operator role.')).toBeInTheDocument();
  });

  it('retries from the failed step for an operator', async () => {
    const retries = api('operator');
    renderWidget(<RunDetails runId={RUN} />, `/runs/${RUN}?tab=data`);
    expect(await screen.findByLabelText('Inputs of the run', {}, { timeout: 5_000 })).toHaveTextContent('"day": "2025-05-01"');
    await userEvent.setup().click(screen.getByRole('button', { name: 'Retry from failed' }));
    await waitFor(() => expect(retries).toEqual([{ fromFailed: true }]));
  });
});
