import { screen, within } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { renderWidget } from '../../test-support/render';
import { lineDiff } from './line-diff';
import type { PipelineVersion } from './pipelines-api';
import { definitionChanges, VersionCompare } from './version-compare';

const version = (number: number, definition: Record<string, unknown>): PipelineVersion => ({
  name: 'hello',
  version: number,
  checksum: `sum${number}`,
  definition,
  pins: {},
  createdAt: '2026-01-01T00:00:00Z',
});

const v1 = version(1, {
  apiVersion: 'baton/v1',
  kind: 'Pipeline',
  name: 'hello',
  inputs: { who: { type: 'string', default: 'world' } },
  steps: { greet: { uses: 'core/echo@^1', with: { text: 'hello' } }, shout: { uses: 'transform/jsonata@^1', needs: ['greet'] } },
  outputs: { message: 'x' },
});
const v2 = version(2, {
  apiVersion: 'baton/v1',
  kind: 'Pipeline',
  name: 'hello',
  description: 'Says hello',
  inputs: { who: { type: 'string', default: 'world' } },
  steps: { greet: { uses: 'core/echo@^1', with: { text: 'hi' } }, log: { uses: 'core/log@^1', needs: ['greet'] } },
});

describe('lineDiff', () => {
  it('marks added and removed lines and folds unchanged stretches beyond three lines of context', () => {
    const before = ['a: 1', 'b: 2', 'c: 3', 'd: 4', 'e: 5', 'f: 6', 'g: 7', 'h: 8', 'i: 9', 'j: 10', ''].join('\n');
    const after = ['a: 1', 'b: two', 'c: 3', 'd: 4', 'e: 5', 'f: 6', 'g: 7', 'h: 8', 'i: 9', 'j: 10', 'k: 11', ''].join('\n');
    expect(lineDiff(before, after)).toEqual([
      { kind: 'same', text: 'a: 1' },
      { kind: 'removed', text: 'b: 2' },
      { kind: 'added', text: 'b: two' },
      { kind: 'same', text: 'c: 3' },
      { kind: 'same', text: 'd: 4' },
      { kind: 'same', text: 'e: 5' },
      { kind: 'folded', count: 2 },
      { kind: 'same', text: 'h: 8' },
      { kind: 'same', text: 'i: 9' },
      { kind: 'same', text: 'j: 10' },
      { kind: 'added', text: 'k: 11' },
    ]);
  });

  it('keeps no leading or trailing context beyond three lines', () => {
    const lines = (last: string) => ['a', 'b', 'c', 'd', 'e', last, 'g', 'h', 'i', 'j', 'k', ''].join('\n');
    expect(lineDiff(lines('f'), lines('F'))).toEqual([
      { kind: 'folded', count: 2 },
      { kind: 'same', text: 'c' },
      { kind: 'same', text: 'd' },
      { kind: 'same', text: 'e' },
      { kind: 'removed', text: 'f' },
      { kind: 'added', text: 'F' },
      { kind: 'same', text: 'g' },
      { kind: 'same', text: 'h' },
      { kind: 'same', text: 'i' },
      { kind: 'folded', count: 2 },
    ]);
  });
});

describe('VersionCompare', () => {
  it('lists what changed between two versions, step by step, then the YAML line by line with + and - marks', async () => {
    expect(definitionChanges(v1.definition, v2.definition)).toEqual([
      { what: 'step greet', change: 'changed' },
      { what: 'step shout', change: 'removed' },
      { what: 'step log', change: 'added' },
      { what: 'outputs', change: 'removed' },
      { what: 'description', change: 'added' },
    ]);
    renderWidget(<VersionCompare from={v1} to={v2} />);
    const changes = within(await screen.findByRole('list', { name: 'Changes' })).getAllByRole('listitem');
    expect(changes.map((item) => item.textContent)).toEqual([
      'changedstep greet',
      'removedstep shout',
      'addedstep log',
      'removedoutputs',
      'addeddescription',
    ]);
    const diff = screen.getByRole('region', { name: 'Changes to the definition from version 1 to 2' });
    const lines = Array.from(diff.querySelector('pre')?.children ?? [], (line) => line.textContent);
    expect(lines).toEqual([
      '  apiVersion: baton/v1',
      '  kind: Pipeline',
      '  name: hello',
      '+ description: Says hello',
      '  inputs:',
      '    who:',
      '      type: string',
      '  ⋯ 2 unchanged lines',
      '    greet:',
      '      uses: core/echo@^1',
      '      with:',
      '-       text: hello',
      '-   shout:',
      '-     uses: transform/jsonata@^1',
      '+       text: hi',
      '+   log:',
      '+     uses: core/log@^1',
      '      needs:',
      '        - greet',
      '- outputs:',
      '-   message: x',
    ]);
    expect(within(diff).getByText('+ description: Says hello')).toHaveStyle({ background: 'var(--mantine-color-green-light)' });
  });

  it('says so when two versions define the same thing, and shows no line diff', async () => {
    renderWidget(<VersionCompare from={v2} to={version(3, { ...v2.definition })} />);
    expect(await screen.findByText('Nothing: the definitions are the same.')).toBeInTheDocument();
    expect(screen.queryByRole('region', { name: /Changes to the definition/ })).not.toBeInTheDocument();
  });
});
