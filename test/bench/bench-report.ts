/**
 * docs/benchmarks.md as `npm run bench` writes it (test/bench/run-all.ts): a section per benchmark,
 * each between `<!-- bench:<name> -->` markers, so that a run of some benchmarks replaces their
 * sections and keeps the others as they were.
 */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';
import type { BenchTable } from './stats.js';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  node: string;
  os: string;
  /** The 1-minute load average when the run began: the machine is shared, so its figures are noisy. */
  load: number;
}

/** One benchmark's run: its tables as it reported them, and whether it finished. */
export interface BenchOutcome {
  name: string;
  /** Exit code (0: finished), or the signal that ended it. */
  exit: number | string;
  seconds: number;
  tables: BenchTable[];
  /** The last lines it wrote to stderr, for a failed run. */
  errorTail: string[];
  /** BENCH_* variables it ran with (sizes scaled down or up), shown beside its figures. */
  sizes: Record<string, string>;
  ranAt: Date;
  commit: string;
  machine: Machine;
}

export function describeMachine(): Machine {
  const osRelease = (() => {
    try {
      return /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    } catch {
      return undefined;
    }
  })();
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown CPU',
    cores: cpus().length,
    memoryGiB: totalmem() / 2 ** 30,
    node: process.version,
    os: `${osRelease ?? process.platform}, Linux ${release()}`,
    load: loadavg()[0],
  };
}

export const machineLine = (m: Machine) =>
  `${m.cpu}, ${m.cores} cores, ${m.memoryGiB.toFixed(1)} GiB, Node.js ${m.node}, ${m.os}; load average ${m.load.toFixed(2)} at the start`;

const utc = (at: Date) => `${at.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
const cell = (value: string | number) =>
  (typeof value === 'number' ? (Number.isInteger(value) ? String(value) : value.toFixed(2)) : value)
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ');

function renderTable(table: BenchTable): string[] {
  const width = Math.max(table.columns.length, ...table.rows.map((row) => row.length));
  const columns = Array.from({ length: width }, (_, i) => table.columns[i] ?? '');
  return [
    `**${cell(table.title)}**`,
    '',
    `| ${columns.map(cell).join(' | ')} |`,
    `|${columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...table.rows.map((row) => `| ${columns.map((_, i) => cell(row[i] ?? '')).join(' | ')} |`),
    '',
  ];
}

const open = (name: string) => `<!-- bench:${name} -->`;
const close = (name: string) => `<!-- /bench:${name} -->`;

/** A benchmark's section, markers included. */
export function renderSection(outcome: BenchOutcome): string {
  const sizes = Object.entries(outcome.sizes).map(([name, value]) => `${name}=${value}`);
  const failed = outcome.exit !== 0;
  const lines = [
    open(outcome.name),
    `## ${outcome.name}${failed ? ' (failed)' : ''}`,
    '',
    `\`npm run bench:${outcome.name}\`, ${utc(outcome.ranAt)}, commit ${outcome.commit}, ${outcome.seconds.toFixed(0)} s` +
      `${sizes.length ? `; sizes: ${sizes.join(' ')}` : ''}.  `,
    `Machine: ${machineLine(outcome.machine)}.`,
    '',
  ];
  if (failed) {
    lines.push(`**Failed**: ${typeof outcome.exit === 'number' ? `exit code ${outcome.exit}` : `killed by ${outcome.exit}`}.`, '');
    if (outcome.errorTail.length) lines.push('```text', ...outcome.errorTail, '```', '');
    if (outcome.tables.length) lines.push('What it reported before it failed:', '');
  } else if (!outcome.tables.length) {
    lines.push('Finished, but reported no figures.', '');
  }
  for (const table of outcome.tables) lines.push(...renderTable(table));
  lines.push(close(outcome.name));
  return lines.join('\n');
}

/** The sections of an existing docs/benchmarks.md, by benchmark name. */
export function parseSections(document: string): Map<string, string> {
  const sections = new Map<string, string>();
  for (const match of document.matchAll(/<!-- bench:([\w-]+) -->[\s\S]*?<!-- \/bench:\1 -->/g)) sections.set(match[1], match[0]);
  return sections;
}

/**
 * The whole document: `fresh` sections replace those of `existing`, the others are kept as they
 * were; in the order of `names` (the `bench:*` scripts), a section of a benchmark no longer there dropped.
 */
export function renderDocument(existing: string | undefined, fresh: BenchOutcome[], names: string[]): string {
  const sections = parseSections(existing ?? '');
  for (const outcome of fresh) sections.set(outcome.name, renderSection(outcome));
  const failed = names.filter((name) => new RegExp(`^## ${name} \\(failed\\)$`, 'm').test(sections.get(name) ?? ''));
  const missing = names.filter((name) => !sections.has(name));
  return [
    '# Benchmarks',
    '',
    'Written by `npm run bench` (test/bench/run-all.ts), which runs every `npm run bench:*` one after another;',
    '`npm run bench -- steps sandbox` runs only those and keeps the other sections as they were. Each section is',
    'one run on one machine: the medians, percentiles and ratios as the benchmark printed them, never asserted',
    '(the machines are shared, so the figures are noisy). What each benchmark measures and the goals:',
    '[development.md](development.md#benchmarks).',
    '',
    ...(failed.length ? [`Failed in their last run: ${failed.join(', ')}.`, ''] : []),
    ...(missing.length ? [`Not run yet: ${missing.join(', ')}.`, ''] : []),
    names
      .filter((name) => sections.has(name))
      .map((name) => sections.get(name))
      .join('\n\n'),
    '',
  ].join('\n');
}
