import { Alert, Anchor, Badge, Group, List, Loader, Stack, Text } from '@mantine/core';
import { notifications } from '@mantine/notifications';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useParams, useSearch } from '@tanstack/react-router';
import type { EditorView } from '@uiw/react-codemirror';
import { useMemo, useRef, useState } from 'react';
import { stringify } from 'yaml';
import { ApiProblem, type FieldProblem } from '../../api/problem';
import { useRoleGate } from '../../auth/use-role-gate';
import { ButtonLink } from '../../components/anchor-link';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { GatedButton } from './gated-button';
import { latestVersion, pipelineKeys, saveYaml, type CheckedText } from './pipelines-api';
import { documentName, problemOffset } from './problem-diagnostics';
import { starterYaml, type StarterExample } from './starter-definitions';
import { useDefinitionCheck } from './use-definition-check';
import { YamlEditor } from './yaml-editor';

export interface NewPipelineSearch {
  example?: StarterExample;
}

/** /pipelines/new: a new pipeline, from README's hello example (`?example=hello`) or a skeleton. */
export function NewPipelinePage() {
  const { example }: NewPipelineSearch = useSearch({ strict: false });
  return <DefinitionEditor initialYaml={starterYaml(example)} />;
}

/** /pipelines/$name/edit: the latest version's definition, as YAML, to change and save as the next version. */
export function EditPipelinePage() {
  const { name = '' } = useParams({ strict: false });
  const latest = useQuery({ queryKey: pipelineKeys.latest(name), queryFn: () => latestVersion(name) });
  if (latest.error) return <ProblemAlert error={latest.error} title={`Could not open ${name}`} />;
  if (!latest.data) return <Loader aria-label="Loading the pipeline" />;
  // Keyed by version: a newer version saved elsewhere starts a fresh editor rather than mixing into this one.
  return <DefinitionEditor key={latest.data.version} editing={name} initialYaml={stringify(latest.data.definition)} />;
}

function DefinitionEditor({ initialYaml, editing }: { initialYaml: string; editing?: string }) {
  const maySave = useRoleGate('operator', 'Saving pipelines');
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [text, setText] = useState(initialYaml);
  const view = useRef<EditorView>(undefined);
  const check = useDefinitionCheck(text);
  const name = useMemo(() => documentName(text), [text]);

  const save = useMutation({
    mutationFn: (draft: { name: string; yaml: string }) => saveYaml(draft.name, draft.yaml),
    onSuccess: async ({ saved, created }) => {
      // Not awaited: the refreshed latest version would restart this editor before it is left.
      void queryClient.invalidateQueries({ queryKey: pipelineKeys.all });
      notifications.show({
        message: created ? `Saved ${saved.name} as version ${saved.version}` : `No change: ${saved.name} stays at version ${saved.version}`,
      });
      await navigate({ to: '/pipelines/$name', params: { name: saved.name } });
    },
  });
  const saveProblems = save.error instanceof ApiProblem && save.error.errors.length ? save.error.errors : undefined;
  // What the editor shows: the refused save's problems for the text it sent, else the latest check's.
  const checked: CheckedText | undefined = saveProblems && save.variables?.yaml === text ? { text, problems: saveProblems } : check.data;

  const goTo = (problem: FieldProblem) => {
    const editor = view.current;
    if (!editor) return;
    const anchor = problemOffset(editor.state.doc, problem);
    editor.dispatch({ selection: { anchor }, scrollIntoView: true });
    editor.focus();
  };

  return (
    <>
      <PageHeader
        title={editing ? `Edit ${editing}` : 'New pipeline'}
        description="Write the definition in YAML; it is checked as you type. Saving makes a new version (runs keep the version they started with)."
        actions={
          <>
            {editing ? (
              <ButtonLink variant="default" to="/pipelines/$name" params={{ name: editing }}>
                Cancel
              </ButtonLink>
            ) : (
              <ButtonLink variant="default" to="/pipelines">
                Cancel
              </ButtonLink>
            )}
            <GatedButton
              onClick={() => name && save.mutate({ name, yaml: text })}
              loading={save.isPending}
              blockedBecause={maySave.why ?? (name ? undefined : 'The definition needs a name to save under')}
            >
              {name ? `Save ${name}` : 'Save'}
            </GatedButton>
          </>
        }
      />
      <Stack gap="sm">
        <CheckStatus checked={checked} checking={check.isFetching} name={name} editing={editing} />
        <YamlEditor
          value={text}
          onChange={setText}
          checked={checked}
          label="Pipeline definition (YAML)"
          onView={(created) => (view.current = created)}
        />
        <Text size="xs" c="dimmed">
          Ctrl+Space completes fields from the pipeline schema; hover a field for what it means. Press Esc, then Tab, to leave the editor.
        </Text>
        {check.error && <ProblemAlert error={check.error} title="Could not check the definition" />}
        {save.error && !saveProblems && <ProblemAlert error={save.error} title="Not saved" />}
        {checked && checked.problems.length > 0 && <ProblemList problems={checked.problems} onSelect={goTo} />}
      </Stack>
    </>
  );
}

function CheckStatus({ checked, checking, name, editing }: { checked?: CheckedText; checking: boolean; name?: string; editing?: string }) {
  return (
    <Stack gap="xs">
      <Group gap="xs" aria-live="polite">
        {checking && !checked && <Badge variant="light">Checking…</Badge>}
        {checked && checked.problems.length === 0 && (
          <Badge color="green" variant="light">
            Valid{checked.plan ? ` · ${checked.plan.steps.length} step${checked.plan.steps.length === 1 ? '' : 's'}` : ''}
          </Badge>
        )}
        {checked && checked.problems.length > 0 && (
          <Badge color="red" variant="light">
            {checked.problems.length} problem{checked.problems.length === 1 ? '' : 's'}
          </Badge>
        )}
        {checked?.plan && checked.problems.length === 0 && (
          <Text size="xs" c="dimmed">
            Runs in the order {checked.plan.order.join(' → ')}
          </Text>
        )}
      </Group>
      {!name && (
        <Alert color="yellow" title="No name yet">
          The definition saves under its <code>name</code> field (lowercase letters, digits and dashes).
        </Alert>
      )}
      {editing && name && name !== editing && (
        <Alert color="yellow" title="Saving under another name">
          This saves a pipeline named <code>{name}</code>; <code>{editing}</code> stays as it is.
        </Alert>
      )}
    </Stack>
  );
}

function ProblemList({ problems, onSelect }: { problems: FieldProblem[]; onSelect: (problem: FieldProblem) => void }) {
  return (
    <Stack gap={4}>
      <Text fw={600} size="sm" component="h2">
        Problems
      </Text>
      <List size="sm" spacing={4}>
        {problems.map((problem, index) => (
          <List.Item key={`${index}:${problem.path}`}>
            {problem.line ? (
              <Anchor component="button" type="button" size="sm" onClick={() => onSelect(problem)}>
                Line {problem.line}
              </Anchor>
            ) : null}{' '}
            <code>{problem.path}</code>: {problem.message}
          </List.Item>
        ))}
      </List>
    </Stack>
  );
}
