import { useEffect, useState } from 'react';

/** From start to end, or to `now` while it is still going; nothing before it started. */
export function elapsedMs(startedAt: string | null, endedAt: string | null, now: number): number | null {
  if (!startedAt) return null;
  return (endedAt ? Date.parse(endedAt) : now) - Date.parse(startedAt);
}

/** The current time, ticking while `ticking` (for the durations of what is still running). */
export function useNow(ticking: boolean, everyMs = 1_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [ticking, everyMs]);
  return now;
}
