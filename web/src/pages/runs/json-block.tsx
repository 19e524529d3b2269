import { Code, ScrollArea, Text } from '@mantine/core';

/** A JSON value, read-only and indented, scrolling when long (the API already redacted what is secret). */
export function JsonBlock({ value, empty = 'None', label }: { value: unknown; empty?: string; label: string }) {
  if (value === null || value === undefined || (typeof value === 'object' && Object.keys(value).length === 0))
    return (
      <Text size="sm" c="dimmed">
        {empty}
      </Text>
    );
  return (
    <ScrollArea.Autosize mah={320} type="auto">
      <Code block aria-label={label}>
        {JSON.stringify(value, null, 2)}
      </Code>
    </ScrollArea.Autosize>
  );
}
