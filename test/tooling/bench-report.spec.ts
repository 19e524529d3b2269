import { describe, expect, it } from 'vitest';
import { parseSections, renderDocument, renderSection, type BenchOutcome } from '../bench/bench-report.js';

const machine = { cpu: 'AMD EPYC', cores: 2, memoryGiB: 23.5, node: 'v20.20.2', os: 'Debian GNU/Linux 12 (bookworm)', load: 1.5 };
const outcome = (name: string, overrides: Partial<BenchOutcome> = {}): BenchOutcome => ({
  name,
  exit: 0,
  seconds: 12,
  tables: [
    {
      title: `${name} figures`,
      columns: ['', 'median', 'ratio b/a'],
      rows: [
        ['(a) raw | plain', '1.000 s'],
        ['(b) Baton', '2.000 s', '2.00'],
      ],
    },
  ],
  errorTail: [],
  sizes: {},
  ranAt: new Date('2026-12-07T15:00:00Z'),
  commit: 'abc1234',
  machine,
  ...overrides,
});

describe('benchmarks.md', () => {
  it('renders a table per reported table, with when, where and at which sizes it ran', () => {
    const section = renderSection(outcome('steps', { sizes: { BENCH_ITERATIONS: '1' } }));
    expect(section).toContain('## steps\n');
    expect(section).toContain('`npm run bench:steps`, 2026-12-07 15:00 UTC, commit abc1234, 12 s; sizes: BENCH_ITERATIONS=1.');
    expect(section).toContain('AMD EPYC, 2 cores, 23.5 GiB, Node.js v20.20.2, Debian GNU/Linux 12 (bookworm)');
    expect(section).toContain(
      '|  | median | ratio b/a |\n|---|---:|---:|\n| (a) raw \\| plain | 1.000 s |  |\n| (b) Baton | 2.000 s | 2.00 |',
    );
  });

  it('says a benchmark failed, with the end of its error output and what it reported before', () => {
    const section = renderSection(outcome('sandbox', { exit: 1, errorTail: ['Error: boom'] }));
    expect(section).toContain('## sandbox (failed)');
    expect(section).toContain('**Failed**: exit code 1.\n\n```text\nError: boom\n```');
    expect(section).toContain('What it reported before it failed:');
    expect(renderSection(outcome('cli', { exit: 'SIGKILL', tables: [] }))).toContain('**Failed**: killed by SIGKILL.');
    expect(renderSection(outcome('cli', { tables: [] }))).toContain('Finished, but reported no figures.');
  });

  it('replaces the sections of the benchmarks that ran and keeps the others, in the order of the scripts', () => {
    const names = ['steps', 'sandbox', 'cli'];
    const first = renderDocument(undefined, [outcome('steps'), outcome('cli')], names);
    expect(first).toContain('Not run yet: sandbox.');
    const second = renderDocument(first, [outcome('sandbox', { exit: 1 }), outcome('cli', { commit: 'def5678' })], names);
    const sections = parseSections(second);
    expect([...sections.keys()]).toEqual(['steps', 'sandbox', 'cli']);
    expect(sections.get('steps')).toBe(parseSections(first).get('steps'));
    expect(sections.get('cli')).toContain('commit def5678');
    expect(second).toContain('Failed in their last run: sandbox.');
    expect(second).not.toContain('Not run yet');
    // A benchmark no longer among the scripts loses its section.
    expect(parseSections(renderDocument(second, [], ['steps', 'cli'])).has('sandbox')).toBe(false);
  });
});
