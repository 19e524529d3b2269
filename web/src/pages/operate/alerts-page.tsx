import { Tabs, Text } from '@mantine/core';
import { useNavigate, useSearch } from '@tanstack/react-router';
import { useRoleGate } from '../../auth/use-role-gate';
import { PageHeader } from '../../components/page-header';
import { AlertChannels } from './alert-channels';
import { AlertList } from './alert-list';
import type { AlertType } from './alert-types';

export interface AlertsSearch {
  /** The channels tab; the alerts themselves when left out. */
  tab?: 'channels';
  type?: AlertType;
  pipeline?: string;
}

export function AlertsPage() {
  const { tab }: AlertsSearch = useSearch({ strict: false });
  const navigate = useNavigate();
  const can = useRoleGate('admin', 'Managing notification channels');

  return (
    <>
      <PageHeader
        title="Alerts"
        description="Failed runs, breached SLAs, failed quality checks and model drift, and the webhook channels that are told about them."
      />
      <Tabs
        keepMounted={false}
        value={tab ?? 'alerts'}
        onChange={(value) => void navigate({ to: '/alerts', search: value === 'channels' ? { tab: 'channels' } : {} })}
      >
        <Tabs.List mb="md">
          <Tabs.Tab value="alerts">Raised alerts</Tabs.Tab>
          <Tabs.Tab value="channels">Channels</Tabs.Tab>
        </Tabs.List>
        <Tabs.Panel value="alerts">
          <AlertList />
        </Tabs.Panel>
        <Tabs.Panel value="channels">
          {can.allowed ? (
            <AlertChannels />
          ) : (
            <Text size="sm" c="dimmed">
              {can.why ?? 'Loading…'} Channels hold the URLs and secrets alerts are sent with, so only admins see and change them.
            </Text>
          )}
        </Tabs.Panel>
      </Tabs>
    </>
  );
}
