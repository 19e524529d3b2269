import { AppShell, Burger, Group, NavLink, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { Link, Outlet, useRouterState } from '@tanstack/react-router';
import { useMe } from '../auth/use-me';
import { AccountControl } from './account-button';
import { NAV_SECTIONS } from './nav';

/** The signed-in frame: left navigation, the tenant and account menu, and the page. */
export function AppLayout() {
  const [opened, { toggle, close }] = useDisclosure();
  const me = useMe();
  const pathname = useRouterState({ select: (state) => state.location.pathname });

  return (
    <AppShell header={{ height: 52 }} navbar={{ width: 220, breakpoint: 'sm', collapsed: { mobile: !opened } }} padding="md">
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger opened={opened} onClick={toggle} hiddenFrom="sm" size="sm" aria-label="Toggle navigation" />
            <Text fw={700} component={Link} to="/runs">
              Baton
            </Text>
          </Group>
          {me.data && <AccountControl account={me.data} />}
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main navigation">
        {/* The browser's own scrolling: Mantine's ScrollArea would bring its positioning library into every page's first load. */}
        <AppShell.Section grow style={{ overflowY: 'auto' }}>
          <Stack gap="xs">
            {NAV_SECTIONS.map((section) => (
              <div key={section.title}>
                <Text size="xs" c="dimmed" tt="uppercase" fw={600} px="sm" pt="xs">
                  {section.title}
                </Text>
                {section.items.map((item) => (
                  <NavLink
                    key={item.to}
                    component={Link}
                    to={item.to}
                    label={item.label}
                    active={pathname === item.to || pathname.startsWith(`${item.to}/`)}
                    onClick={close}
                  />
                ))}
              </div>
            ))}
          </Stack>
        </AppShell.Section>
      </AppShell.Navbar>
      <AppShell.Main>
        <Outlet />
      </AppShell.Main>
    </AppShell>
  );
}
