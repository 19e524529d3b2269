import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWidget } from '../../test-support/render';
import { newRunView, newStep } from './run-fixtures';
import { StepDrawer } from './step-drawer';

const run = newRunView({
  status: 'running',
  steps: [
    newStep({ id: 'prepare', outputs: { rows: 3 } }),
    newStep({ id: 'train', status: 'queued', startedAt: null, endedAt: null, attempts: [], pool: 'gpu', waitingFor: 'pool' }),
  ],
});

const drawer = (stepId: string) =>
  renderWidget(<StepDrawer run={run} stepId={stepId} role="viewer" now={Date.now()} onClose={() => {}} onShowLogs={() => {}} />);

describe('StepDrawer', () => {
  it('says which worker pool a step waits for, and how to start one', async () => {
    drawer('train');
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).getByText('Waiting for a worker of pool gpu')).toBeInTheDocument();
    expect(within(dialog).getByText('baton worker --pool gpu')).toBeInTheDocument();
  });

  it('shows no pool for a step of the default pool', async () => {
    drawer('prepare');
    const dialog = await screen.findByRole('dialog');
    expect(within(dialog).queryByText(/Worker pool|Waiting for a worker/)).not.toBeInTheDocument();
  });
});
