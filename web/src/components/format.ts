/** How the console writes what it measures: a dash for "nothing to show", never a misleading 0. */
export const NONE = '—';

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const time = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });

/** A moment as the reader's own clock and locale show it. */
export const formatDateTime = (iso: string | null | undefined) => (iso ? dateTime.format(new Date(iso)) : NONE);
/** The time of day only, where the day is clear from the context (a run's steps). */
export const formatTime = (iso: string | null | undefined) => (iso ? time.format(new Date(iso)) : NONE);

/** 850 ms, 12.3 s, 4 min 05 s, 2 h 03 min, 3 d 4 h: precise where it matters, short everywhere. */
export function formatDuration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return NONE;
  if (ms < 1_000) return `${Math.max(0, Math.round(ms))} ms`;
  if (ms < 60_000) return `${(ms / 1_000).toFixed(1)} s`;
  const seconds = Math.floor(ms / 1_000);
  if (seconds < 3_600) return `${Math.floor(seconds / 60)} min ${String(seconds % 60).padStart(2, '0')} s`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3_600)} h ${String(Math.floor((seconds % 3_600) / 60)).padStart(2, '0')} min`;
  return `${Math.floor(seconds / 86_400)} d ${Math.floor((seconds % 86_400) / 3_600)} h`;
}

/** A share from 0 to 1 as a percentage with `decimals` (none for exactly 0 and 100%). */
export function formatPercent(share: number | null | undefined, decimals = 1): string {
  if (share === null || share === undefined) return NONE;
  return `${(share * 100).toFixed(share === 1 || share === 0 ? 0 : decimals)}%`;
}
