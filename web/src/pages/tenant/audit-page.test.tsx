import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { signedInAs } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { AuditPage } from './audit-page';

const entry = (id: string, action: string, status: number) => ({
  id,
  at: '2026-03-01T10:00:00Z',
  actor: { kind: 'user', id: '00000000-0000-4000-8000-000000000001', role: 'admin' },
  action,
  target: { name: 'nightly' },
  status,
  sourceIp: '10.0.0.7',
});

describe('AuditPage', { timeout: 20_000 }, () => {
  it('names the actor, and reads older pages with the cursor', async () => {
    const cursors: (string | null)[] = [];
    server.use(
      signedInAs('admin'),
      http.get('*/v1/members', () =>
        HttpResponse.json({
          items: [
            { userId: '00000000-0000-4000-8000-000000000001', email: 'ada@example.com', role: 'admin', joinedAt: '2026-01-01T00:00:00Z' },
          ],
          nextCursor: null,
        }),
      ),
      http.get('*/v1/api-keys', () => HttpResponse.json({ items: [], nextCursor: null })),
      http.get('*/v1/audit-log', ({ request }) => {
        const cursor = new URL(request.url).searchParams.get('cursor');
        cursors.push(cursor);
        return cursor
          ? HttpResponse.json({
              items: [entry('00000000-0000-4000-8000-0000000000e2', 'DELETE /v1/pipelines/:name', 403)],
              nextCursor: null,
            })
          : HttpResponse.json({
              items: [entry('00000000-0000-4000-8000-0000000000e1', 'PUT /v1/pipelines/:name', 200)],
              nextCursor: 'page-2',
            });
      }),
    );
    renderWidget(<AuditPage />);
    const user = userEvent.setup({ delay: null });
    const first = (await screen.findByText('PUT /v1/pipelines/:name')).closest('tr')!;
    expect(within(first).getByText('ada@example.com')).toBeInTheDocument();
    expect(within(first).getByText('name=nightly')).toBeInTheDocument();
    expect(within(first).getByText('10.0.0.7')).toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Load older entries' }));
    expect(await screen.findByText('DELETE /v1/pipelines/:name')).toBeInTheDocument();
    expect(screen.getByText('403')).toBeInTheDocument();
    expect(cursors).toEqual([null, 'page-2']);
    expect(screen.queryByRole('button', { name: 'Load older entries' })).not.toBeInTheDocument();
  });

  it('asks the API for the calls of one person, refused, and with words of the action', async () => {
    const queries: Record<string, string>[] = [];
    server.use(
      signedInAs('admin'),
      http.get('*/v1/members', () =>
        HttpResponse.json({
          items: [
            { userId: '00000000-0000-4000-8000-000000000001', email: 'ada@example.com', role: 'admin', joinedAt: '2026-01-01T00:00:00Z' },
          ],
          nextCursor: null,
        }),
      ),
      http.get('*/v1/api-keys', () => HttpResponse.json({ items: [], nextCursor: null })),
      http.get('*/v1/audit-log', ({ request }) => {
        queries.push(Object.fromEntries(new URL(request.url).searchParams));
        return HttpResponse.json({ items: [], nextCursor: null });
      }),
    );
    renderWidget(<AuditPage />);
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole('combobox', { name: 'Who' }));
    await user.click(await screen.findByRole('option', { name: 'ada@example.com' }));
    await user.click(screen.getByRole('combobox', { name: 'Answer' }));
    await user.click(await screen.findByRole('option', { name: 'Refused (4xx, 5xx)' }));
    await user.type(screen.getByRole('textbox', { name: 'Action' }), 'secrets');
    expect(await screen.findByText('No call matches these filters.', {}, { timeout: 3_000 })).toBeInTheDocument();
    await waitFor(() =>
      expect(queries.at(-1)).toEqual({ actor: '00000000-0000-4000-8000-000000000001', outcome: 'refused', action: 'secrets' }),
    );
  });
});
