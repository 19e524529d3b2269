import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { problem, signedInAs } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { MembersPage } from './members-page';

const members = {
  items: [
    { userId: '00000000-0000-4000-8000-000000000001', email: 'ada@example.com', role: 'admin', joinedAt: '2026-01-01T00:00:00Z' },
    { userId: '00000000-0000-4000-8000-000000000002', email: 'owner@example.com', role: 'owner', joinedAt: '2026-01-01T00:00:00Z' },
    { userId: '00000000-0000-4000-8000-000000000003', email: 'bob@example.com', role: 'viewer', joinedAt: '2026-02-01T00:00:00Z' },
  ],
  nextCursor: null,
};

let open = { items: [] as unknown[] };

// Mantine's dialogs and selects in jsdom are slow to drive, not stuck.
describe('MembersPage', { timeout: 20_000 }, () => {
  it('shows the invitation link once, with a copy button, and forgets it when the dialog closes', async () => {
    const invited: unknown[] = [];
    server.use(
      signedInAs('admin'),
      http.get('*/v1/members', () => HttpResponse.json(members)),
      http.get('*/v1/invitations', () => HttpResponse.json(open)),
      http.post('*/v1/members', async ({ request }) => {
        invited.push(await request.json());
        return HttpResponse.json(
          {
            invitation: {
              id: '00000000-0000-4000-8000-0000000000b1',
              email: 'cy@example.com',
              role: 'operator',
              expiresAt: '2026-03-08T00:00:00Z',
            },
            token: 'bi_secret-token',
          },
          { status: 201 },
        );
      }),
    );
    renderWidget(<MembersPage />);
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole('button', { name: 'Invite someone' }));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText(/e-mail/i), 'cy@example.com');
    await user.click(within(dialog).getByRole('combobox', { name: 'Role' }));
    expect(screen.getAllByRole('option').map((option) => option.textContent)).toEqual(['admin', 'operator', 'viewer']); // never above the inviter's own
    await user.click(screen.getByRole('option', { name: 'operator' }));
    await user.click(within(dialog).getByRole('button', { name: 'Send the invitation' }));

    expect(await within(dialog).findByText(`${location.origin}/invitations/accept#token=bi_secret-token`)).toBeInTheDocument();
    expect(within(dialog).getByText(/shown only once/i)).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Copy invitation link' })).toBeInTheDocument();
    expect(invited).toEqual([{ email: 'cy@example.com', role: 'operator' }]);

    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    await user.click(screen.getByRole('button', { name: 'Invite someone' }));
    expect(await screen.findByLabelText(/e-mail/i)).toHaveValue('');
    expect(screen.queryByText(/bi_secret-token/)).not.toBeInTheDocument();
  });

  it('lists the invitations not accepted yet and revokes one after asking', async () => {
    const revoked: string[] = [];
    open = {
      items: [
        {
          id: '00000000-0000-4000-8000-0000000000c1',
          email: 'dee@example.com',
          role: 'viewer',
          invitedBy: null,
          createdAt: '2026-03-01T00:00:00Z',
          expiresAt: '2026-03-08T00:00:00Z',
        },
      ],
    };
    server.use(
      http.delete('*/v1/invitations/:id', ({ params }) => {
        revoked.push(String(params.id));
        open = { items: [] };
        return new HttpResponse(null, { status: 204 });
      }),
    );
    server.use(
      signedInAs('admin'),
      http.get('*/v1/members', () => HttpResponse.json(members)),
      http.get('*/v1/invitations', () => HttpResponse.json(open)),
    );
    renderWidget(<MembersPage />);
    const user = userEvent.setup({ delay: null });
    const table = await screen.findByRole('table', { name: 'Invitations not accepted yet' });
    expect(within(table).getByText('dee@example.com')).toBeInTheDocument();
    await user.click(within(table).getByRole('button', { name: 'Revoke the invitation of dee@example.com' }));
    await user.click(within(await screen.findByRole('dialog')).getByRole('button', { name: 'Revoke' }));
    await waitFor(() => expect(revoked).toEqual(['00000000-0000-4000-8000-0000000000c1']));
    await waitFor(() => expect(screen.queryByRole('table', { name: 'Invitations not accepted yet' })).not.toBeInTheDocument());
  });

  it('lets an admin change only the roles at or below their own, and shows a refusal next to the control', async () => {
    server.use(
      signedInAs('admin'),
      http.get('*/v1/members', () => HttpResponse.json(members)),
      http.get('*/v1/invitations', () => HttpResponse.json(open)),
      http.patch('*/v1/members/:userId', () =>
        problem(409, 'last_owner', 'A tenant keeps at least one owner: make someone else owner first'),
      ),
    );
    renderWidget(<MembersPage />);
    const user = userEvent.setup({ delay: null });
    const bobsRole = await screen.findByRole('combobox', { name: 'Role of bob@example.com' });
    expect(screen.queryByRole('combobox', { name: 'Role of owner@example.com' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Remove owner@example.com' })).not.toBeInTheDocument();

    await user.click(bobsRole);
    await user.click(screen.getByRole('option', { name: 'operator' }));
    await waitFor(() => expect(bobsRole).toHaveAccessibleDescription(/keeps at least one owner/));
  });

  it('tells a viewer who can manage members instead of offering the controls', async () => {
    server.use(
      signedInAs('viewer'),
      http.get('*/v1/members', () => HttpResponse.json(members)),
      http.get('*/v1/invitations', () => HttpResponse.json(open)),
    );
    renderWidget(<MembersPage />);
    expect(await screen.findByText(/an admin or owner invites people/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Invite someone' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: /^Remove/ })).not.toBeInTheDocument();
  });
});
