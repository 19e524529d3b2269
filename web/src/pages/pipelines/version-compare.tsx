import { Badge, Code, Group, List, ScrollArea, Stack, Text, Title } from '@mantine/core';
import { stringify } from 'yaml';
import { lineDiff } from './line-diff';
import type { PipelineVersion } from './pipelines-api';

export interface DefinitionChange {
  /** `step shout`, `input who`, or a top-level field such as `outputs`. */
  what: string;
  change: 'added' | 'removed' | 'changed';
}

/** Definitions keep entries by name: a step or an input is compared one to one, the rest field by field. */
const KEYED: Record<string, string> = { steps: 'step', inputs: 'input' };

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function compareEntries(label: string, from: Record<string, unknown>, to: Record<string, unknown>): DefinitionChange[] {
  const keys = [...new Set([...Object.keys(from), ...Object.keys(to)])];
  return keys.flatMap((key): DefinitionChange[] => {
    const what = label ? `${label} ${key}` : key;
    if (!(key in from)) return [{ what, change: 'added' }];
    if (!(key in to)) return [{ what, change: 'removed' }];
    if (same(from[key], to[key])) return [];
    if (!label && KEYED[key]) return compareEntries(KEYED[key], asRecord(from[key]), asRecord(to[key]));
    return [{ what, change: 'changed' }];
  });
}

const asRecord = (value: unknown) => (value && typeof value === 'object' ? (value as Record<string, unknown>) : {});

/** What changed between two definitions, per step, per input and per other field. */
export function definitionChanges(from: Record<string, unknown>, to: Record<string, unknown>): DefinitionChange[] {
  return compareEntries('', from, to);
}

const CHANGE_COLOR = { added: 'green', removed: 'red', changed: 'yellow' } as const;

/** Each diff line's mark (so that no change is told by colour alone) and its background. */
const ROW_LOOK = {
  added: { mark: '+', bg: 'var(--mantine-color-green-light)' },
  removed: { mark: '-', bg: 'var(--mantine-color-red-light)' },
  same: { mark: ' ', bg: undefined },
} as const;

/** What changed between two versions: a list of the steps, inputs and fields, then the YAML line by line. */
export function VersionCompare({ from, to }: { from: PipelineVersion; to: PipelineVersion }) {
  const changes = definitionChanges(from.definition, to.definition);
  const rows = lineDiff(stringify(from.definition), stringify(to.definition));
  return (
    <Stack gap="md">
      <Stack gap="xs">
        <Title order={3} size="h5">
          What changed from version {from.version} to version {to.version}
        </Title>
        {changes.length === 0 ? (
          <Text size="sm">Nothing: the definitions are the same.</Text>
        ) : (
          <List size="sm" spacing={4} aria-label="Changes">
            {changes.map((change) => (
              <List.Item key={change.what}>
                <Group gap="xs" wrap="nowrap">
                  <Badge size="sm" variant="light" color={CHANGE_COLOR[change.change]}>
                    {change.change}
                  </Badge>
                  <Code>{change.what}</Code>
                </Group>
              </List.Item>
            ))}
          </List>
        )}
      </Stack>
      {changes.length > 0 && (
        <Stack gap={4}>
          <Text size="sm" fw={600} component="h4">
            Definition, line by line
          </Text>
          <Text size="xs" c="dimmed">
            Lines marked + are new in version {to.version}; lines marked - were in version {from.version} only.
          </Text>
          <ScrollArea.Autosize
            mah={480}
            type="auto"
            viewportProps={{
              tabIndex: 0,
              role: 'region',
              'aria-label': `Changes to the definition from version ${from.version} to ${to.version}`,
            }}
          >
            <Code block>
              {rows.map((row, index) =>
                row.kind === 'folded' ? (
                  <Text key={index} span display="block" inherit c="dimmed">
                    {`  ⋯ ${row.count} unchanged line${row.count === 1 ? '' : 's'}`}
                  </Text>
                ) : (
                  <Text key={index} span display="block" inherit bg={ROW_LOOK[row.kind].bg}>
                    {`${ROW_LOOK[row.kind].mark} ${row.text}`}
                  </Text>
                ),
              )}
            </Code>
          </ScrollArea.Autosize>
        </Stack>
      )}
    </Stack>
  );
}
