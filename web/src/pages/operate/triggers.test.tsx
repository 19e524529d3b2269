import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { signingExample } from '../../components/operate-webhook-signing';
import { signedInAs } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderRoute } from '../../test-support/render';
import { TriggerPage } from './trigger-page';
import { TriggersPage } from './triggers-page';

const ID = '9a3e0c1e-0000-4000-8000-000000000001';
const URL_ = `https://baton.example.com/v1/hooks/${ID}`;
const SECRET = 'whsec_first_4f9a1c';
const webhook = {
  id: ID,
  name: 'sales-hook',
  type: 'webhook',
  pipeline: 'daily-sales',
  url: URL_,
  inputs: null,
  createdAt: '2026-01-01T00:00:00Z',
  lastFiredAt: null,
};

describe('TriggersPage', { timeout: 30_000 }, () => {
  it('shows a new webhook secret once, with its URL and a signing example for that URL', async () => {
    const bodies: unknown[] = [];
    server.use(
      signedInAs('operator'),
      http.get('*/v1/triggers', () => HttpResponse.json({ items: [], nextCursor: null })),
      http.get('*/v1/pipelines', () =>
        HttpResponse.json({
          items: [
            {
              id: '00000000-0000-4000-8000-000000000009',
              name: 'daily-sales',
              latestVersion: 3,
              createdAt: '2026-01-01T00:00:00Z',
              updatedAt: '2026-01-01T00:00:00Z',
            },
          ],
          nextCursor: null,
        }),
      ),
      http.post('*/v1/triggers', async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json({ ...webhook, secret: SECRET }, { status: 201 });
      }),
    );
    renderRoute('/triggers', TriggersPage, '/triggers');
    const user = userEvent.setup({ delay: null });
    expect(await screen.findByText('No triggers yet')).toBeInTheDocument();
    await user.click(screen.getAllByRole('button', { name: 'New trigger' })[0]);
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('combobox', { name: /pipeline to run/i }));
    await user.click(await screen.findByRole('option', { name: 'daily-sales', hidden: true }));
    await user.click(within(dialog).getByRole('button', { name: 'Create trigger' }));

    expect(await within(dialog).findByText('Copy it now: it is shown only once')).toBeInTheDocument();
    expect(bodies).toEqual([{ type: 'webhook', pipeline: 'daily-sales' }]);
    expect(dialog).toHaveTextContent('This is the only time it is shown');
    expect(within(dialog).getByText(SECRET)).toBeInTheDocument();
    expect(within(dialog).getByText(URL_)).toBeInTheDocument();
    const example = within(dialog).getByText(/openssl dgst -sha256 -hmac/);
    expect(example).toHaveTextContent(`URL='${URL_}'`);
    expect(example).toHaveTextContent(`SECRET='${SECRET}'`);
    expect(within(dialog).getByRole('button', { name: 'Copy signing secret' })).toBeInTheDocument();

    await user.click(within(dialog).getByRole('button', { name: 'I have copied the secret' }));
    expect(await screen.findByText('Left the page')).toBeInTheDocument();
    expect(screen.queryByText(SECRET)).not.toBeInTheDocument();
  });
});

describe('TriggerPage', { timeout: 30_000 }, () => {
  it('shows how to sign without the secret, and a rotated secret once', async () => {
    server.use(
      signedInAs('operator'),
      http.get('*/v1/triggers/:id', () => HttpResponse.json(webhook)),
      http.get('*/v1/triggers/:id/deliveries', () => HttpResponse.json({ items: [], nextCursor: null })),
      http.post('*/v1/triggers/:id/rotate-secret', () => HttpResponse.json({ ...webhook, secret: 'whsec_second_77ab' })),
    );
    renderRoute('/triggers/$id', TriggerPage, `/triggers/${ID}`);
    const user = userEvent.setup({ delay: null });
    const example = await screen.findByText(/openssl dgst -sha256 -hmac/);
    expect(example).toHaveTextContent(`URL='${URL_}'`);
    expect(example).toHaveTextContent("SECRET='<the signing secret>'");
    expect(screen.getByText('sales-hook')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Rotate secret' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Rotate' }));
    const shown = await screen.findByRole('dialog', { name: 'New signing secret' });
    expect(within(shown).getByText('whsec_second_77ab')).toBeInTheDocument();
    expect(shown).toHaveTextContent('This is the only time it is shown');
  });

  it('filters deliveries by outcome through the URL and shows each reason and run', async () => {
    const asked: (string | null)[] = [];
    server.use(
      signedInAs('viewer'),
      http.get('*/v1/triggers/:id', () => HttpResponse.json(webhook)),
      http.get('*/v1/triggers/:id/deliveries', ({ request }) => {
        const outcome = new URL(request.url).searchParams.get('outcome');
        asked.push(outcome);
        const items =
          outcome === 'failed'
            ? [
                {
                  id: 'd-2',
                  outcome: 'failed',
                  runId: null,
                  sourceRunId: null,
                  reason: 'Signature does not match',
                  createdAt: '2026-03-01T10:00:00Z',
                },
              ]
            : [
                {
                  id: 'd-1',
                  outcome: 'started',
                  runId: '1f2e3d4c-0000-4000-8000-000000000000',
                  sourceRunId: null,
                  reason: null,
                  createdAt: '2026-03-01T09:00:00Z',
                },
              ];
        return HttpResponse.json({ items, nextCursor: null });
      }),
    );
    const router = renderRoute('/triggers/$id', TriggerPage, `/triggers/${ID}`);
    const user = userEvent.setup({ delay: null });
    expect(await screen.findByRole('link', { name: 'Run 1f2e3d4c-0000-4000-8000-000000000000' })).toHaveAttribute(
      'href',
      '/runs/1f2e3d4c-0000-4000-8000-000000000000',
    );
    expect(screen.queryByRole('button', { name: 'Rotate secret' })).not.toBeInTheDocument();

    await user.click(screen.getByText('Failed'));
    expect(await screen.findByText('Signature does not match')).toBeInTheDocument();
    await waitFor(() => expect(router.state.location.search).toEqual({ outcome: 'failed' }));
    expect(asked).toEqual([null, 'failed']);
  });
});

describe('signingExample', () => {
  it('signs the delivery id, timestamp and body with the secret, as the API checks them', () => {
    const example = signingExample('https://h.example/v1/hooks/x', 's3cret');
    expect(example).toContain(`printf '%s.%s.%s' "$ID" "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET"`);
    expect(example).toContain('-H "X-Baton-Signature: sha256=$SIG"');
    expect(example).toContain("URL='https://h.example/v1/hooks/x'");
  });
});
