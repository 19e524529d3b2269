import { Alert, Button, Group, Paper, Stack, Text, Textarea } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, ok } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import { hasRole, type Role } from '../../auth/use-me';
import { formatDateTime } from '../../components/format';
import { ProblemAlert } from '../../components/problem-alert';
import { runKeys } from './run-queries';
import type { GraphNode } from './run-types';

/** The decision that counted, as a `409 decision_already_made` names it. */
interface Decision {
  approve: boolean;
  by?: { role?: string; userId?: string; apiKeyId?: string };
  comment?: string | null;
  decidedAt?: string;
}

/** Whether `role` may decide: any of the step's `approval.roles` (as the API checks it); unknown roles leave it to the API. */
export function mayDecide(role: Role | undefined, roles: string[] | undefined): boolean {
  if (!role) return false;
  if (!roles?.length) return true;
  return roles.some((needed) =>
    needed === 'publisher' ? role === 'publisher' || role === 'owner' : hasRole(role, needed as Exclude<Role, 'publisher'>),
  );
}

/** Approve or reject a step waiting for a decision, with an optional comment; shown to who may decide. */
export function ApprovalPanel({ runId, step, role }: { runId: string; step: Pick<GraphNode, 'id' | 'approval'>; role: Role | undefined }) {
  const queryClient = useQueryClient();
  const [comment, setComment] = useState('');
  const decide = useMutation({
    mutationFn: (approve: boolean) =>
      ok(
        api.POST('/v1/runs/{id}/approvals/{stepId}', {
          params: { path: { id: runId, stepId: step.id } },
          body: { approve, ...(comment.trim() ? { comment: comment.trim() } : {}) },
        }),
      ),
    onSettled: () => queryClient.invalidateQueries({ queryKey: runKeys.run(runId) }),
  });
  const roles = step.approval?.roles;
  const problem = decide.error instanceof ApiProblem ? decide.error : null;
  const winner = problem?.code === 'decision_already_made' ? (problem.body.decision as Decision | undefined) : undefined;

  return (
    <Paper withBorder p="md" bg="var(--mantine-color-yellow-light)">
      <Stack gap="xs">
        <Text fw={600}>Step {step.id} waits for a decision</Text>
        {step.approval && (
          <Text size="sm">
            {roles?.length ? `Who may decide: ${roles.join(' or ')}. ` : ''}
            Without a decision within {step.approval.timeout} it is {step.approval.onTimeout === 'approve' ? 'approved' : 'rejected'}.
          </Text>
        )}
        {decide.isSuccess ? (
          <Alert color="green" role="status">
            {decide.data.approve ? 'Approved' : 'Rejected'}: the run goes on.
          </Alert>
        ) : winner ? (
          <Alert color="orange" role="alert" title="Someone decided first">
            {problem!.detail}. {winner.approve ? 'Approved' : 'Rejected'} by {describeDecider(winner.by)}
            {winner.decidedAt ? ` on ${formatDateTime(winner.decidedAt)}` : ''}
            {winner.comment ? `: “${winner.comment}”` : '.'}
          </Alert>
        ) : mayDecide(role, roles) ? (
          <>
            <Textarea
              label="Comment (optional)"
              minRows={2}
              maxLength={2000}
              value={comment}
              onChange={(event) => setComment(event.currentTarget.value)}
              error={problem?.about('comment')}
            />
            <ProblemAlert error={problem?.about('comment') ? null : decide.error} />
            <Group gap="xs">
              <Button color="teal" onClick={() => decide.mutate(true)} loading={decide.isPending && decide.variables}>
                Approve
              </Button>
              <Button color="red" variant="light" onClick={() => decide.mutate(false)} loading={decide.isPending && !decide.variables}>
                Reject
              </Button>
            </Group>
          </>
        ) : (
          <Text size="sm" c="dimmed">
            Deciding needs the {roles?.join(' or ')} role; yours is {role ?? 'unknown'}.
          </Text>
        )}
      </Stack>
    </Paper>
  );
}

function describeDecider(by: Decision['by']): string {
  if (!by) return 'someone';
  const who = by.userId ? `user ${by.userId}` : by.apiKeyId ? `API key ${by.apiKeyId}` : 'someone';
  return by.role ? `${who} (${by.role})` : who;
}
