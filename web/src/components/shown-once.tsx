import { Alert, Stack, Text } from '@mantine/core';
import type { ReactNode } from 'react';
import { CopyValue } from './copy-value';

interface ShownOnceProps {
  label: string;
  value: string;
  /** What to do when it is lost (rotate it, revoke it and make another). */
  ifLost: string;
  /** What it is for and how to use it, under the warning. */
  children?: ReactNode;
}

/**
 * A credential the API answers once (a new API key, an invitation link, a signing secret), said
 * plainly to be unrecoverable: the API keeps only a hash of it or no readable copy.
 */
export function ShownOnce({ label, value, ifLost, children }: ShownOnceProps) {
  return (
    <Stack gap="sm">
      <Alert color="yellow" title="Copy it now: it is shown only once" role="status">
        <Text size="sm">This is the only time it is shown: Baton keeps no readable copy. {ifLost}</Text>
        {children}
      </Alert>
      <CopyValue label={label} value={value} />
    </Stack>
  );
}
