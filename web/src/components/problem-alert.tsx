import { Alert, List } from '@mantine/core';
import { ApiProblem, describeFailure } from '../api/problem';

/** A failed call as the user should see it: the problem's detail and, when the API named fields, each of them. */
export function ProblemAlert({ error, title = 'That did not work' }: { error: unknown; title?: string }) {
  if (!error) return null;
  const fields = error instanceof ApiProblem ? error.errors : [];
  return (
    <Alert color="red" title={title} role="alert">
      {describeFailure(error)}
      {fields.length > 0 && (
        <List size="sm" mt="xs">
          {fields.map((field) => (
            <List.Item key={`${field.path}:${field.message}`}>
              <code>{field.path}</code>
              {field.line ? ` (line ${field.line})` : ''}: {field.message}
            </List.Item>
          ))}
        </List>
      )}
    </Alert>
  );
}
