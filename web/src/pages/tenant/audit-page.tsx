import { Badge, Code, Group, Select, SimpleGrid, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { useState } from 'react';
import { useQuery } from '@tanstack/react-query';
import { api, ok } from '../../api/client';
import type { paths } from '../../api/schema';
import { hasRole, useMe } from '../../auth/use-me';
import { LoadMore, useCursorList } from '../../components/cursor-list';
import { formatDateTime } from '../../components/format';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';

type AuditEntry = paths['/v1/audit-log']['get']['responses'][200]['content']['application/json']['items'][number];

/** Who made a call: the member's e-mail or the key's name when this tenant still has them, else the raw id. */
function useActorNames(enabled: boolean) {
  const members = useQuery({ queryKey: ['members'], queryFn: () => ok(api.GET('/v1/members')), enabled });
  const keys = useQuery({
    queryKey: ['api-keys', 'names'],
    queryFn: () => ok(api.GET('/v1/api-keys', { params: { query: { limit: 500 } } })),
    enabled,
  });
  const names = new Map<string, string>();
  members.data?.items.forEach((member) => names.set(member.userId, member.email));
  keys.data?.items.forEach((key) => names.set(key.id, `key ${key.name}`));
  const nameOf = (actor: AuditEntry['actor']) => {
    if (actor.kind === 'installation') return 'installation operator';
    const name = actor.id ? names.get(actor.id) : undefined;
    return name ?? `${actor.kind === 'api_key' ? 'key' : 'user'} ${actor.id ?? 'unknown'}`;
  };
  return { nameOf, actors: [...names].map(([value, label]) => ({ value, label })) };
}

type Outcome = 'succeeded' | 'refused';

const statusColor = (status: number) => (status < 300 ? 'green' : status < 400 ? 'blue' : status < 500 ? 'orange' : 'red');
const describeTarget = (target: AuditEntry['target']) =>
  Object.entries(target)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(', ');

/** /audit: every mutating call made with this tenant's credentials, refused ones included, newest first. */
export function AuditPage() {
  const me = useMe();
  const isAdmin = hasRole(me.data?.role, 'admin');
  const { nameOf: actorName, actors } = useActorNames(isAdmin);
  const [actor, setActor] = useState<string | null>(null);
  const [outcome, setOutcome] = useState<Outcome | null>(null);
  const [typed, setTyped] = useState('');
  const [action] = useDebouncedValue(typed.trim(), 400);
  const filter = { actor: actor ?? undefined, outcome: outcome ?? undefined, action: action || undefined };
  const log = useCursorList(
    ['audit-log', filter],
    (cursor) => ok(api.GET('/v1/audit-log', { params: { query: { cursor, ...filter } } })),
    isAdmin,
  );
  const filtered = Boolean(actor || outcome || action);

  const header = (
    <PageHeader
      title="Audit log"
      description="Every change made with this tenant's credentials, refused attempts included: who, what, on which object, the answer and from where. Bodies are never kept."
    />
  );
  if (me.data && !isAdmin)
    return (
      <>
        {header}
        <Text c="dimmed">The audit log is open to the tenant&apos;s admins and owners.</Text>
      </>
    );

  return (
    <>
      {header}
      <SimpleGrid cols={{ base: 1, sm: 3 }} mb="md">
        <Select label="Who" placeholder="Anyone" data={actors} value={actor} onChange={setActor} searchable clearable />
        <TextInput
          label="Action"
          placeholder="e.g. secrets or DELETE"
          value={typed}
          onChange={(event) => setTyped(event.currentTarget.value)}
        />
        <Select
          label="Answer"
          placeholder="Any"
          data={[
            { value: 'succeeded', label: 'Succeeded' },
            { value: 'refused', label: 'Refused (4xx, 5xx)' },
          ]}
          value={outcome}
          onChange={(value) => setOutcome(value)}
          clearable
        />
      </SimpleGrid>
      <ProblemAlert error={me.error ?? log.error} />
      {log.isSuccess && log.items.length === 0 && filtered && <Text c="dimmed">No call matches these filters.</Text>}
      {log.isSuccess && log.items.length === 0 && !filtered && (
        <Text c="dimmed">
          Nothing recorded yet. Each change anyone makes here (saving a pipeline, inviting a member, a refused call) appears in this list.
        </Text>
      )}
      {log.items.length > 0 && (
        <Table.ScrollContainer minWidth={820}>
          <Table verticalSpacing="xs" striped>
            <Table.Thead>
              <Table.Tr>
                <Table.Th>Time</Table.Th>
                <Table.Th>Actor</Table.Th>
                <Table.Th>Action</Table.Th>
                <Table.Th>Target</Table.Th>
                <Table.Th>Status</Table.Th>
                <Table.Th>Source IP</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {log.items.map((entry) => (
                <Table.Tr key={entry.id}>
                  <Table.Td>
                    <time dateTime={entry.at}>{formatDateTime(entry.at)}</time>
                  </Table.Td>
                  <Table.Td>
                    <Group gap={6} wrap="nowrap">
                      <Text size="sm">{actorName(entry.actor)}</Text>
                      <Badge variant="light" size="sm">
                        {entry.actor.role}
                      </Badge>
                    </Group>
                  </Table.Td>
                  <Table.Td>
                    <Code>{entry.action}</Code>
                  </Table.Td>
                  <Table.Td>
                    <Text size="sm">{describeTarget(entry.target) || '—'}</Text>
                  </Table.Td>
                  <Table.Td>
                    <Badge color={statusColor(entry.status)} variant="light">
                      {entry.status}
                    </Badge>
                  </Table.Td>
                  <Table.Td>{entry.sourceIp ?? '—'}</Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      )}
      <LoadMore list={log} label="Load older entries" />
    </>
  );
}
