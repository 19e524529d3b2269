import { Badge, Group, Text, UnstyledButton, type UnstyledButtonProps } from '@mantine/core';
import { lazy, Suspense, useState, type ComponentPropsWithRef } from 'react';
import type { Me } from '../auth/use-me';

const loadAccountMenu = () => import('./account-menu');
const AccountMenu = lazy(() => loadAccountMenu().then((module) => ({ default: module.AccountMenu })));

type AccountButtonProps = { account: Me } & UnstyledButtonProps & Omit<ComponentPropsWithRef<'button'>, 'color' | 'style'>;

/** The header's account button: the tenant's name and the member's role there. */
export function AccountButton({ account, ...button }: AccountButtonProps) {
  return (
    <UnstyledButton aria-label="Account menu" aria-haspopup="menu" {...button}>
      <Group gap={6} wrap="nowrap">
        <Text size="sm" truncate maw={180}>
          {account.tenant.name}
        </Text>
        <Badge variant="light" size="sm">
          {account.role}
        </Badge>
      </Group>
    </UnstyledButton>
  );
}

/**
 * The account button, which becomes the account menu when first used. The menu's code is fetched
 * as the pointer or focus reaches the button, so it is there by the click.
 */
export function AccountControl({ account }: { account: Me }) {
  const [wanted, setWanted] = useState(false);
  const prefetch = () => void loadAccountMenu();
  if (!wanted) return <AccountButton account={account} onPointerEnter={prefetch} onFocus={prefetch} onClick={() => setWanted(true)} />;
  return (
    <Suspense fallback={<AccountButton account={account} />}>
      <AccountMenu account={account} />
    </Suspense>
  );
}
