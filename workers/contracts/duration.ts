/**
 * Duration strings used by pipeline definitions: `500ms`, `5s`, `1m`, `2h`, `1d`, and compounds
 * such as `1h30m`. Units must appear from largest to smallest, each at most once.
 */
const UNIT_MS = { d: 86_400_000, h: 3_600_000, m: 60_000, s: 1_000, ms: 1 } as const;
type Unit = keyof typeof UNIT_MS;
const UNIT_RANK: Record<Unit, number> = { d: 0, h: 1, m: 2, s: 3, ms: 4 };

/** Milliseconds, or null when `text` is not a duration. */
export function parseDuration(text: string): number | null {
  if (text.length === 0 || text.length > 64) return null;
  let total = 0;
  let previousRank = -1;
  // `ms` comes before `m` and `s` so that `500ms` is not read as 500 minutes.
  const term = /(\d+)(ms|d|h|m|s)/y;
  while (term.lastIndex < text.length) {
    const match = term.exec(text);
    if (!match) return null;
    const unit = match[2] as Unit;
    if (UNIT_RANK[unit] <= previousRank) return null;
    previousRank = UNIT_RANK[unit];
    total += Number(match[1]) * UNIT_MS[unit];
  }
  return Number.isSafeInteger(total) ? total : null;
}

export function isDuration(text: string): boolean {
  return parseDuration(text) !== null;
}

/** The shortest duration text for whole `ms` (`5400000` → `1h30m`), as `parseDuration` reads it. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let text = '';
  for (const unit of Object.keys(UNIT_MS) as Unit[]) {
    const count = Math.floor(rest / UNIT_MS[unit]);
    if (count > 0) text += `${count}${unit}`;
    rest -= count * UNIT_MS[unit];
  }
  return text;
}
