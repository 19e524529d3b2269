import { Badge, Table, Text } from '@mantine/core';
import { AnchorLink } from '../../components/anchor-link';
import { formatDateTime, NONE } from '../../components/format';
import type { ModelDetail } from './model-compare';

type Change = ModelDetail['history'][number];

const REASON_COLOR: Record<Change['reason'], string> = { registered: 'gray', promote: 'indigo', rollback: 'orange' };

function Actor({ change }: { change: Change }) {
  if (change.actor.kind === 'step' && change.run)
    return (
      <AnchorLink to="/runs/$runId" params={{ runId: change.run.id }} size="sm">
        step {change.run.stepId ?? ''} of run {change.run.id.slice(0, 8)}
      </AnchorLink>
    );
  const who = change.actor.kind === 'api_key' ? 'API key' : change.actor.kind;
  return (
    <Text span size="sm">
      {who} {change.actor.id ? <code>{change.actor.id.slice(0, 8)}</code> : ''}
    </Text>
  );
}

/** Every registration, promotion and rollback of the model, as the API lists them. */
export function StageHistory({ history }: { history: Change[] }) {
  if (!history.length)
    return (
      <Text size="sm" c="dimmed">
        No stage changes yet.
      </Text>
    );
  return (
    <Table.ScrollContainer minWidth={720}>
      <Table>
        <Table.Thead>
          <Table.Tr>
            <Table.Th scope="col">When</Table.Th>
            <Table.Th scope="col">Version</Table.Th>
            <Table.Th scope="col">Change</Table.Th>
            <Table.Th scope="col">Why</Table.Th>
            <Table.Th scope="col">By</Table.Th>
            <Table.Th scope="col">Comment</Table.Th>
          </Table.Tr>
        </Table.Thead>
        <Table.Tbody>
          {history.map((change, index) => (
            <Table.Tr key={`${change.at}:${change.version}:${index}`}>
              <Table.Td>{formatDateTime(change.at)}</Table.Td>
              <Table.Td>v{change.version}</Table.Td>
              <Table.Td>
                {change.from ?? 'new'} → {change.to}
              </Table.Td>
              <Table.Td>
                <Badge size="sm" variant="light" color={REASON_COLOR[change.reason]}>
                  {change.reason}
                </Badge>
              </Table.Td>
              <Table.Td>
                <Actor change={change} />
              </Table.Td>
              <Table.Td>
                {change.comment ?? (
                  <Text span c="dimmed">
                    {NONE}
                  </Text>
                )}
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
    </Table.ScrollContainer>
  );
}
