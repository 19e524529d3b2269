import { screen } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { problem } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { ApprovalPanel, mayDecide } from './approval-panel';

const RUN = '5d3c1f0e-8a3b-4c55-9a57-0c9f1e2b7a10';
const gate = { id: 'gate', approval: { roles: ['admin'], timeout: '1h', onTimeout: 'reject' as const } };

describe('ApprovalPanel', () => {
  it('approves with the comment as the body the API takes', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post(`*/v1/runs/${RUN}/approvals/gate`, async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json({ runId: RUN, stepId: 'gate', approve: true, delivered: true }, { status: 202 });
      }),
      http.get(`*/v1/runs/${RUN}`, () => HttpResponse.json({})),
    );
    renderWidget(<ApprovalPanel runId={RUN} step={gate} role="owner" />);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/comment/i, {}, { timeout: 5_000 }), '  numbers checked  ');
    await user.click(screen.getByRole('button', { name: 'Approve' }));
    expect(await screen.findByRole('status')).toHaveTextContent('Approved: the run goes on.');
    expect(bodies).toEqual([{ approve: true, comment: 'numbers checked' }]);
  });

  it('shows who decided first when the API answers 409 decision_already_made', async () => {
    server.use(
      http.post(`*/v1/runs/${RUN}/approvals/gate`, () =>
        problem(409, 'decision_already_made', 'Step gate was already rejected at 2025-05-01T10:00:00.000Z', undefined, {
          decision: {
            approve: false,
            by: { role: 'owner', userId: 'u-42' },
            comment: 'not today',
            decidedAt: '2025-05-01T10:00:00.000Z',
          },
        }),
      ),
      http.get(`*/v1/runs/${RUN}`, () => HttpResponse.json({})),
    );
    renderWidget(<ApprovalPanel runId={RUN} step={gate} role="admin" />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Reject' }, { timeout: 5_000 }));
    const alert = await screen.findByRole('alert');
    expect(alert).toHaveTextContent('Step gate was already rejected');
    expect(alert).toHaveTextContent('Rejected by user u-42 (owner)');
    expect(alert).toHaveTextContent('“not today”');
    expect(screen.queryByRole('button', { name: 'Approve' })).not.toBeInTheDocument();
  });

  it('offers no decision to a role the step does not name', async () => {
    renderWidget(<ApprovalPanel runId={RUN} step={gate} role="operator" />);
    expect(await screen.findByText(/Deciding needs the admin role; yours is operator/, {}, { timeout: 5_000 })).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Approve' })).not.toBeInTheDocument();
  });

  it('decides who may as the API does: a role includes the ones below it; publisher stands apart', () => {
    expect(mayDecide('owner', ['operator'])).toBe(true);
    expect(mayDecide('viewer', ['operator'])).toBe(false);
    expect(mayDecide('viewer', ['viewer', 'admin'])).toBe(true);
    expect(mayDecide('admin', ['publisher'])).toBe(false);
    expect(mayDecide('owner', ['publisher'])).toBe(true);
    expect(mayDecide(undefined, ['viewer'])).toBe(false);
  });
});
