import { Button, Group, Modal, Stack, Text } from '@mantine/core';
import { useDisclosure } from '@mantine/hooks';
import { notifications } from '@mantine/notifications';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { api, ok } from '../../api/client';
import { hasRole, type Role } from '../../auth/use-me';
import { ProblemAlert } from '../../components/problem-alert';
import { runKeys } from './run-queries';
import { isRunActive } from './run-status';
import type { RunView } from './run-types';

/** Cancel an active run; retry an ended one (all of it, or from what failed). Operators only. */
export function RunActions({ run, role }: { run: Pick<RunView, 'id' | 'status'>; role: Role | undefined }) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const [confirming, confirm] = useDisclosure(false);
  const cancel = useMutation({
    mutationFn: () => ok(api.POST('/v1/runs/{id}/cancel', { params: { path: { id: run.id } } })),
    onSuccess: () => confirm.close(),
    onSettled: () => queryClient.invalidateQueries({ queryKey: runKeys.run(run.id) }),
  });
  const retry = useMutation({
    mutationFn: (fromFailed: boolean) => ok(api.POST('/v1/runs/{id}/retry', { params: { path: { id: run.id } }, body: { fromFailed } })),
    onSuccess: (started) => {
      if (started.otherRetries.length)
        notifications.show({
          color: 'yellow',
          title: 'This run was retried before',
          message: `${started.otherRetries.length} earlier ${started.otherRetries.length === 1 ? 'retry' : 'retries'} of it also started runs.`,
        });
      void navigate({ to: '/runs/$runId', params: { runId: started.id } });
    },
  });

  if (!hasRole(role, 'operator'))
    return (
      <Text size="sm" c="dimmed">
        Cancelling and retrying runs needs the operator role.
      </Text>
    );
  const active = isRunActive(run.status);
  return (
    <Stack gap="xs" align="flex-end">
      <Group gap="xs">
        {active ? (
          <Button color="red" variant="light" onClick={confirm.open}>
            Cancel run
          </Button>
        ) : (
          <>
            <Button variant="light" onClick={() => retry.mutate(false)} loading={retry.isPending && !retry.variables}>
              Retry
            </Button>
            {run.status !== 'succeeded' && (
              <Button onClick={() => retry.mutate(true)} loading={retry.isPending && retry.variables}>
                Retry from failed
              </Button>
            )}
          </>
        )}
      </Group>
      <ProblemAlert error={retry.error ?? (confirming ? null : cancel.error)} />
      <Modal opened={confirming} onClose={confirm.close} title="Cancel this run?">
        <Stack>
          <Text size="sm">Its running steps are cancelled and no further step starts. A cancelled run can be retried.</Text>
          <ProblemAlert error={cancel.error} />
          <Group justify="flex-end">
            <Button variant="default" onClick={confirm.close}>
              Keep it running
            </Button>
            <Button color="red" onClick={() => cancel.mutate()} loading={cancel.isPending}>
              Cancel the run
            </Button>
          </Group>
        </Stack>
      </Modal>
    </Stack>
  );
}
