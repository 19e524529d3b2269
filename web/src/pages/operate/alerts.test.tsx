import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { problem, signedInAs } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderRoute } from '../../test-support/render';
import { AlertsPage } from './alerts-page';

const channel = {
  id: '3b5a2b8e-0000-4000-8000-000000000001',
  type: 'webhook',
  name: 'ops-pager',
  url: 'https://hooks.example.com/baton',
  events: ['run.failed', 'sla.breached'],
  enabled: true,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

describe('AlertsPage channels', { timeout: 30_000 }, () => {
  it('creates a channel with the alert types chosen and shows its secret once', async () => {
    const bodies: unknown[] = [];
    server.use(
      signedInAs('admin'),
      http.get('*/v1/notification-channels', () => HttpResponse.json({ items: [], nextCursor: null })),
      http.post('*/v1/notification-channels', async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json({ ...channel, secret: 'chsec_once_91' }, { status: 201 });
      }),
    );
    renderRoute('/alerts', AlertsPage, '/alerts?tab=channels');
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole('button', { name: 'New channel' }));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText('Name'), 'ops-pager');
    await user.type(within(dialog).getByLabelText(/webhook url/i), 'https://hooks.example.com/baton');
    await user.click(within(dialog).getByRole('checkbox', { name: /SLA breached/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Create channel' }));

    expect(await within(dialog).findByText('chsec_once_91')).toBeInTheDocument();
    expect(dialog).toHaveTextContent('This is the only time it is shown');
    expect(bodies).toEqual([
      { type: 'webhook', url: 'https://hooks.example.com/baton', events: ['run.failed', 'sla.breached'], enabled: true, name: 'ops-pager' },
    ]);
  });

  it('creates a PagerDuty channel from its routing key, with nothing to sign and no secret to show', async () => {
    const bodies: unknown[] = [];
    server.use(
      signedInAs('admin'),
      http.get('*/v1/notification-channels', () => HttpResponse.json({ items: [], nextCursor: null })),
      http.post('*/v1/notification-channels', async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json({ ...channel, type: 'pagerduty', url: null, routingKey: '…CDEF' }, { status: 201 });
      }),
    );
    renderRoute('/alerts', AlertsPage, '/alerts?tab=channels');
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole('button', { name: 'New channel' }));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('combobox', { name: 'Kind' }));
    await user.click(await screen.findByRole('option', { name: 'PagerDuty' }));
    await user.type(within(dialog).getByLabelText(/routing key/i), 'R0UT1NGKEY0123456789abcdefABCDEF');
    await user.click(within(dialog).getByRole('checkbox', { name: /Run recovered/ }));
    await user.click(within(dialog).getByRole('button', { name: 'Create channel' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(bodies).toEqual([
      { type: 'pagerduty', routingKey: 'R0UT1NGKEY0123456789abcdefABCDEF', events: ['run.failed', 'run.recovered'], enabled: true },
    ]);
  });

  it('creates a Slack channel whose URL is read from a secret, for some pipelines, and lists it by the secret', async () => {
    const bodies: unknown[] = [];
    const saved = { ...channel, type: 'slack', url: null, urlSecret: 'SLACK_HOOK', pipelines: ['etl', 'nightly'] };
    server.use(
      signedInAs('admin'),
      http.get('*/v1/notification-channels', () => HttpResponse.json({ items: bodies.length ? [saved] : [], nextCursor: null })),
      http.post('*/v1/notification-channels', async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json(saved, { status: 201 });
      }),
    );
    renderRoute('/alerts', AlertsPage, '/alerts?tab=channels');
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole('button', { name: 'New channel' }));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('combobox', { name: 'Kind' }));
    await user.click(await screen.findByRole('option', { name: 'Slack' }));
    await user.click(within(dialog).getByRole('switch', { name: /URL from a secret/ }));
    expect(within(dialog).queryByLabelText(/webhook url/i)).not.toBeInTheDocument();
    await user.type(within(dialog).getByLabelText(/Secret name/), 'SLACK_HOOK');
    await user.type(within(dialog).getByLabelText('Pipelines'), 'etl, nightly');
    await user.click(within(dialog).getByRole('button', { name: 'Create channel' }));

    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
    expect(bodies).toEqual([
      { type: 'slack', urlSecret: 'SLACK_HOOK', events: ['run.failed'], enabled: true, pipelines: ['etl', 'nightly'] },
    ]);
    expect(await screen.findByText(/Slack: secret SLACK_HOOK/)).toBeInTheDocument();
    expect(screen.getByText('Only etl, nightly')).toBeInTheDocument();
  });

  it("shows a refused URL at the URL field, and a test send's answer", async () => {
    server.use(
      signedInAs('owner'),
      http.get('*/v1/notification-channels', () => HttpResponse.json({ items: [channel], nextCursor: null })),
      http.patch('*/v1/notification-channels/:id', () =>
        problem(422, 'invalid_input', 'The request has 1 problem(s)', [{ path: 'url', message: 'Must resolve to public addresses only' }]),
      ),
      http.post('*/v1/notification-channels/:id/test', () =>
        HttpResponse.json({
          deliveryId: '00000000-0000-4000-8000-000000000077',
          delivered: false,
          statusCode: 500,
          error: 'Internal Server Error',
          durationMs: 42,
        }),
      ),
    );
    renderRoute('/alerts', AlertsPage, '/alerts?tab=channels');
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole('button', { name: 'Send a test to ops-pager' }));
    expect(await screen.findByText('Test not delivered')).toBeInTheDocument();
    expect(screen.getByRole('status')).toHaveTextContent('HTTP 500: Internal Server Error in 42 ms');

    await user.click(screen.getByRole('button', { name: 'Edit ops-pager' }));
    const dialog = await screen.findByRole('dialog');
    const url = within(dialog).getByLabelText(/webhook url/i);
    await user.clear(url);
    await user.type(url, 'http://10.0.0.5/hook');
    await user.click(within(dialog).getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(url).toHaveAttribute('aria-invalid', 'true'));
    expect(url).toHaveAccessibleDescription(expect.stringContaining('Must resolve to public addresses only'));
    expect(within(dialog).getByLabelText('Name')).not.toHaveAttribute('aria-invalid', 'true');
  });

  it('keeps channels from roles below admin, saying why', async () => {
    server.use(signedInAs('operator'));
    renderRoute('/alerts', AlertsPage, '/alerts?tab=channels');
    expect(await screen.findByText(/Managing notification channels needs the admin role; yours is operator\./)).toBeInTheDocument();
  });
});
