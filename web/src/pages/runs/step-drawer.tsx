import { Alert, Button, Code, DataList, Drawer, Stack, Table, Text, Title } from '@mantine/core';
import { useMediaQuery } from '@mantine/hooks';
import type { Role } from '../../auth/use-me';
import { formatDateTime, formatDuration, formatTime } from '../../components/format';
import { RunStatusBadge } from '../../components/run-status-badge';
import { ApprovalPanel } from './approval-panel';
import { DataItem } from './data-item';
import { elapsedMs } from './elapsed';
import { JsonBlock } from './json-block';
import type { RunError, RunStep, RunView } from './run-types';

/** One step of the run: what it is, how it went (outputs, error, attempts), and its decision if it waits for one. */
export function StepDrawer({
  run,
  stepId,
  role,
  now,
  onClose,
  onShowLogs,
}: {
  run: RunView;
  stepId: string | null;
  role: Role | undefined;
  now: number;
  onClose: () => void;
  onShowLogs: (stepId: string) => void;
}) {
  const narrow = useMediaQuery('(max-width: 48em)');
  const node = run.graph?.nodes.find((n) => n.id === stepId);
  const step = run.steps.find((s) => s.id === stepId);
  const status = step?.status ?? node?.status;
  return (
    <Drawer
      opened={stepId !== null}
      onClose={onClose}
      position="right"
      size={narrow ? '100%' : 'lg'}
      title={`Step ${node?.name ?? stepId ?? ''}`}
    >
      {stepId && (
        <Stack>
          <DataList labelWidth={110}>
            <DataItem label="Status">{status ? <RunStatusBadge status={status} /> : 'not started'}</DataItem>
            <DataItem label="Uses">
              <Code>{step?.uses ?? node?.uses ?? node?.kind}</Code>
            </DataItem>
            {node?.needs.length ? <DataItem label="Runs after">{node.needs.join(', ')}</DataItem> : null}
            {node?.if !== undefined && <DataItem label="Runs if">{String(node.if)}</DataItem>}
            {node?.forEach && (
              <DataItem label="For each">{'expression' in node.forEach ? node.forEach.expression : `${node.forEach.items} items`}</DataItem>
            )}
            {step && (
              <>
                <DataItem label="Started">{formatDateTime(step.startedAt)}</DataItem>
                <DataItem label="Ended">{formatDateTime(step.endedAt)}</DataItem>
                <DataItem label="Took">{formatDuration(elapsedMs(step.startedAt, step.endedAt, now))}</DataItem>
              </>
            )}
            {step?.pool && (
              <DataItem label="Worker pool">
                <Code>{step.pool}</Code>
              </DataItem>
            )}
            {step?.items && (
              <DataItem label="Items">
                {step.items.succeeded} succeeded, {step.items.failed} failed, of {step.items.total}
              </DataItem>
            )}
          </DataList>
          {step?.waitingFor === 'pool' && (
            <Alert color="yellow" title={`Waiting for a worker of pool ${step.pool ?? 'default'}`}>
              The step is due, but no worker of its pool is polling for it. It runs once one starts:{' '}
              <Code>baton worker --pool {step.pool ?? 'default'}</Code>.
            </Alert>
          )}
          {status === 'waiting' && node?.kind === 'approval' && <ApprovalPanel runId={run.id} step={node} role={role} />}
          {step?.error && <StepError error={step.error} />}
          {step && (
            <Button variant="light" onClick={() => onShowLogs(stepId)} w="fit-content">
              Show this step's logs
            </Button>
          )}
          <Title order={3} size="h5">
            Inputs
          </Title>
          {step?.inputBytes ? (
            <Text size="sm" c="dimmed">
              {Math.round(step.inputBytes / 1024)} KB of input: too large to keep with the run.
            </Text>
          ) : (
            <JsonBlock
              value={step?.input}
              label={`Inputs of ${stepId}`}
              empty={step?.items ? 'Each item has its own input' : step ? 'No inputs' : 'Not run yet'}
            />
          )}
          <Title order={3} size="h5">
            Outputs
          </Title>
          <JsonBlock value={step?.outputs} label={`Outputs of ${stepId}`} empty={step ? 'No outputs' : 'Not run yet'} />
          {step && <Attempts step={step} now={now} />}
        </Stack>
      )}
    </Drawer>
  );
}

export function StepError({ error }: { error: RunError }) {
  const codes = [error.code && `code ${error.code}`, error.stepCode && `step code ${error.stepCode}`].filter(Boolean).join(' · ');
  return (
    <Alert color="red" title={codes ? `Failed (${codes})` : 'Failed'}>
      <Text size="sm" style={{ whiteSpace: 'pre-wrap', wordBreak: 'break-word' }}>
        {error.message}
      </Text>
    </Alert>
  );
}

function Attempts({ step, now }: { step: RunStep; now: number }) {
  if (!step.attempts.length) return null;
  return (
    <>
      <Title order={3} size="h5">
        Attempts
      </Title>
      {step.attemptsOfItems !== undefined && (
        <Text size="xs" c="dimmed">
          Of the first {step.attemptsOfItems} items.
        </Text>
      )}
      <Table.ScrollContainer minWidth={420}>
        <Table>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Attempt</Table.Th>
              <Table.Th>Started</Table.Th>
              <Table.Th>Ran for</Table.Th>
              <Table.Th>Status</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {step.attempts.map((a) => (
              <Table.Tr key={`${a.item ?? ''}:${a.attempt}`}>
                <Table.Td>
                  {a.attempt}
                  {a.item === undefined ? '' : ` (item ${a.item})`}
                </Table.Td>
                <Table.Td>{formatTime(a.startedAt)}</Table.Td>
                <Table.Td>{formatDuration(elapsedMs(a.startedAt, a.endedAt, now))}</Table.Td>
                <Table.Td>
                  <RunStatusBadge status={a.status} size="sm" />
                  {a.error && (
                    <Text size="xs" c="red" mt={2}>
                      {(a.error.stepCode ?? a.error.code) ? `${a.error.stepCode ?? a.error.code}: ` : ''}
                      {a.error.message}
                    </Text>
                  )}
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </>
  );
}
