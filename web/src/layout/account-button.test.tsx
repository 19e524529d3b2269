import { useRouterState } from '@tanstack/react-router';
import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { session } from '../auth/session';
import type { Me } from '../auth/use-me';
import { server } from '../test-support/msw-server';
import { renderWidget } from '../test-support/render';
import { AccountControl } from './account-button';

const account: Me = {
  user: { id: '00000000-0000-4000-8000-000000000001', email: 'ada@example.com', emailVerified: true, createdAt: '2026-01-01T00:00:00Z' },
  tenants: [
    { id: '00000000-0000-4000-8000-0000000000aa', name: 'acme', role: 'owner' },
    { id: '00000000-0000-4000-8000-0000000000bb', name: 'globex', role: 'viewer' },
  ],
  apiKeyId: null,
  tenant: { id: '00000000-0000-4000-8000-0000000000aa', name: 'acme', plan: 'free', status: 'active', createdAt: '2026-01-01T00:00:00Z' },
  role: 'owner',
  plan: 'free',
};

function Location() {
  return <output aria-label="location">{useRouterState({ select: (state) => state.location.pathname })}</output>;
}

describe('AccountControl', () => {
  it('shows the tenant and role, and opens the menu (loaded on first use) at the first click', async () => {
    renderWidget(<AccountControl account={account} />);
    const button = await screen.findByRole('button', { name: 'Account menu' });
    expect(button).toHaveTextContent('acmeowner');
    await userEvent.click(button);
    const menu = await screen.findByRole('menu');
    expect(within(menu).getByText('ada@example.com')).toBeInTheDocument();
    expect(within(menu).getByRole('menuitem', { name: 'acme owner' })).toBeDisabled();
    expect(within(menu).getByRole('menuitem', { name: 'globex viewer' })).toBeEnabled();
  });

  it('switches tenant with a new session, and signs out', async () => {
    session.start({ token: 'old', expiresAt: '2999-01-01T00:00:00Z' });
    const asked: unknown[] = [];
    server.use(
      http.post('*/v1/auth/switch', async ({ request }) => {
        asked.push(await request.json());
        return HttpResponse.json({ token: 'new', expiresAt: '2999-01-02T00:00:00Z' });
      }),
    );
    renderWidget(
      <>
        <AccountControl account={account} />
        <Location />
      </>,
      '/pipelines',
    );
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Account menu' }));
    await user.click(await screen.findByRole('menuitem', { name: 'globex viewer' }));
    await waitFor(() => expect(session.token()).toBe('new'));
    expect(asked).toEqual([{ tenant: '00000000-0000-4000-8000-0000000000bb' }]);
    expect(screen.getByRole('status', { name: 'location' })).toHaveTextContent('/runs');

    await user.click(screen.getByRole('button', { name: 'Account menu' }));
    await user.click(await screen.findByRole('menuitem', { name: 'Sign out' }));
    expect(session.token()).toBeUndefined();
    await waitFor(() => expect(screen.getByRole('status', { name: 'location' })).toHaveTextContent('/sign-in'));
  });
});
