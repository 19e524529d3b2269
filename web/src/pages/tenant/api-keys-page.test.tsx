import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { problem, signedInAs } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { ApiKeysPage } from './api-keys-page';

const key = (id: string, name: string) => ({
  id,
  name,
  role: 'operator',
  prefix: 'bk_abc1234',
  createdAt: '2026-01-01T00:00:00Z',
  lastUsedAt: null,
});

describe('ApiKeysPage', { timeout: 20_000 }, () => {
  it('shows a new key once, with a warning and a copy button, and lists it afterwards', async () => {
    let keys = [key('00000000-0000-4000-8000-0000000000c1', 'ci')];
    const created: unknown[] = [];
    server.use(
      signedInAs('owner'),
      http.get('*/v1/api-keys', () => HttpResponse.json({ items: keys, nextCursor: null })),
      http.post('*/v1/api-keys', async ({ request }) => {
        const body = (await request.json()) as { name: string; role: string };
        created.push(body);
        keys = [...keys, key('00000000-0000-4000-8000-0000000000c2', body.name)];
        return HttpResponse.json({ ...keys[1], role: body.role, key: 'bk_abc1234_the-whole-secret' }, { status: 201 });
      }),
    );
    renderWidget(<ApiKeysPage />);
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole('button', { name: 'Create an API key' }));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText(/^name/i), 'deploy');
    // An owner may also make a publisher's key.
    await user.click(within(dialog).getByRole('combobox', { name: 'Role' }));
    expect(screen.getAllByRole('option').map((option) => option.textContent)).toEqual([
      'owner',
      'admin',
      'operator',
      'viewer',
      'publisher',
    ]);
    await user.click(screen.getByRole('option', { name: 'viewer' }));
    await user.click(within(dialog).getByRole('button', { name: 'Create the key' }));

    expect(await within(dialog).findByText('bk_abc1234_the-whole-secret')).toBeInTheDocument();
    expect(within(dialog).getByText(/shown only once/i)).toBeInTheDocument();
    expect(within(dialog).getByRole('button', { name: 'Copy api key' })).toBeInTheDocument();
    expect(created).toEqual([{ name: 'deploy', role: 'viewer' }]);
    expect(await screen.findByRole('cell', { name: 'deploy' })).toBeInTheDocument();

    await user.click(within(dialog).getByRole('button', { name: 'Done' }));
    await waitFor(() => expect(screen.queryByText('bk_abc1234_the-whole-secret')).not.toBeInTheDocument());
  });

  it('revokes a key after confirmation, and keeps the dialog open with the problem when refused', async () => {
    let refuse = true;
    server.use(
      signedInAs('admin'),
      http.get('*/v1/api-keys', () =>
        HttpResponse.json({ items: refuse ? [key('00000000-0000-4000-8000-0000000000c1', 'ci')] : [], nextCursor: null }),
      ),
      http.delete('*/v1/api-keys/:id', () => {
        if (refuse) return problem(403, 'forbidden', 'Needs role admin');
        return new HttpResponse(null, { status: 204 });
      }),
    );
    renderWidget(<ApiKeysPage />);
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole('button', { name: 'Revoke ci' }));
    const dialog = await screen.findByRole('dialog');
    await user.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    expect(await within(dialog).findByRole('alert')).toHaveTextContent('Needs role admin');
    refuse = false;
    await user.click(within(dialog).getByRole('button', { name: 'Revoke' }));
    expect(await screen.findByText(/No API keys yet/)).toBeInTheDocument();
  });

  it('explains to a non-admin that keys are managed by admins, without asking the API', async () => {
    server.use(signedInAs('operator'));
    renderWidget(<ApiKeysPage />);
    expect(await screen.findByText(/managed by the tenant's admins and owners/)).toBeInTheDocument();
  });
});
