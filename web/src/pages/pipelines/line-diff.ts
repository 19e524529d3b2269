import { diffLines } from 'diff';

export type DiffRow = { kind: 'added' | 'removed' | 'same'; text: string } | { kind: 'folded'; count: number };

/** Unchanged lines kept on each side of a change; longer unchanged stretches fold into one row. */
const CONTEXT = 3;

/** The lines of `after` against `before`, unified-diff style, with long unchanged stretches folded. */
export function lineDiff(before: string, after: string): DiffRow[] {
  const parts = diffLines(before, after);
  return parts.flatMap((part, index): DiffRow[] => {
    const lines = part.value.replace(/\n$/, '').split('\n');
    if (part.added) return lines.map((text) => ({ kind: 'added', text }));
    if (part.removed) return lines.map((text) => ({ kind: 'removed', text }));
    const head = index === 0 ? 0 : CONTEXT;
    const tail = index === parts.length - 1 ? 0 : CONTEXT;
    const same = lines.map((text): DiffRow => ({ kind: 'same', text }));
    if (lines.length <= head + tail + 1) return same;
    return [...same.slice(0, head), { kind: 'folded', count: lines.length - head - tail }, ...same.slice(lines.length - tail)];
  });
}
