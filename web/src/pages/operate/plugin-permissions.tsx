import { Code, Group, List, Text } from '@mantine/core';
import { asksNothing, type Permissions } from './plugin-types';

const KINDS: { key: keyof Permissions; label: string }[] = [
  { key: 'egress', label: 'HTTP(S) to hosts' },
  { key: 'secrets', label: 'Secrets it reads' },
  { key: 'network', label: 'Raw TCP matching' },
];

/** A version's permissions (or the part still to approve), one line per kind it asks for. */
export function PermissionList({ permissions, none = 'No network access and no secrets.' }: { permissions: Permissions; none?: string }) {
  if (asksNothing(permissions))
    return (
      <Text size="sm" c="dimmed">
        {none}
      </Text>
    );
  return (
    <List size="sm" spacing={2}>
      {KINDS.filter(({ key }) => permissions[key].length > 0).map(({ key, label }) => (
        <List.Item key={key}>
          <Group gap={4} wrap="wrap">
            <Text span size="sm">
              {label}:
            </Text>
            {permissions[key].map((value) => (
              <Code key={value}>{value}</Code>
            ))}
          </Group>
        </List.Item>
      ))}
    </List>
  );
}
