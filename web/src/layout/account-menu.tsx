import { Badge, Menu } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { api, ok } from '../api/client';
import { describeFailure } from '../api/problem';
import { session } from '../auth/session';
import type { Me } from '../auth/use-me';
import { AccountButton } from './account-button';

/**
 * The tenant and account menu: who is signed in, the other tenants of the same person, and sign-out.
 * Loaded when first wanted (see AccountControl): the menu's popover machinery is not needed to
 * show a page.
 */
export function AccountMenu({ account }: { account: Me }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();

  // Another tenant of the same person: a new session from the API, and nothing cached from the old tenant.
  const switchTo = async (tenant: string) => {
    try {
      const switched = await ok(api.POST('/v1/auth/switch', { body: { tenant } }));
      session.start({ ...session.current(), token: switched.token, expiresAt: switched.expiresAt });
      queryClient.clear();
      await navigate({ to: '/runs' });
    } catch (error) {
      notifications.show({ color: 'red', title: 'Could not switch tenant', message: describeFailure(error) });
    }
  };

  const signOut = () => {
    session.end();
    queryClient.clear();
    void navigate({ to: '/sign-in' });
  };

  return (
    <Menu position="bottom-end" withinPortal defaultOpened>
      <Menu.Target>
        <AccountButton account={account} />
      </Menu.Target>
      <Menu.Dropdown>
        <Menu.Label>{account.user?.email ?? 'API key'}</Menu.Label>
        {account.tenants.length > 1 && <Menu.Label>Switch tenant</Menu.Label>}
        {account.tenants.length > 1 &&
          account.tenants.map((tenant) => (
            <Menu.Item
              key={tenant.id}
              disabled={tenant.id === account.tenant.id}
              rightSection={
                <Badge size="xs" variant="outline">
                  {tenant.role}
                </Badge>
              }
              onClick={() => void switchTo(tenant.id)}
            >
              {tenant.name}
            </Menu.Item>
          ))}
        <Menu.Divider />
        <Menu.Item onClick={signOut}>Sign out</Menu.Item>
      </Menu.Dropdown>
    </Menu>
  );
}
