/** Instants shown and picked in a schedule's own IANA time zone, whatever zone the browser is in. */

const formatters = new Map<string, Intl.DateTimeFormat>();

function partsFormatter(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      weekday: 'short',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
      timeZoneName: 'short',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

function wallClock(instant: Date, zone: string) {
  const parts = Object.fromEntries(
    partsFormatter(zone)
      .formatToParts(instant)
      .map((p) => [p.type, p.value]),
  );
  return {
    weekday: parts.weekday,
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
    zoneName: parts.timeZoneName,
  };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** `Sun 2026-03-29 03:30 GMT+2`: unambiguous whatever the reader's locale, with the zone's offset that day. */
export function formatInZone(iso: string, zone: string): string {
  const t = wallClock(new Date(iso), zone);
  return `${t.weekday} ${t.year}-${pad(t.month)}-${pad(t.day)} ${pad(t.hour)}:${pad(t.minute)} ${t.zoneName}`;
}

/** The browser's own zone (what "your time" means next to a schedule's zone). */
export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** A timestamp in the reader's zone, for things that have no zone of their own (created, last fired). */
export function formatLocal(iso: string | null | undefined): string {
  return iso ? formatInZone(iso, browserZone()) : '—';
}

function offsetMs(instant: number, zone: string): number {
  const t = wallClock(new Date(instant), zone);
  return Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a wall-clock time (`2026-03-29T02:30`, as a datetime-local input gives it) names in
 * `zone`. Two passes, because the offset to subtract is the one in force at the answer, not at the guess.
 */
export function zonedToInstant(local: string, zone: string): Date | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(local);
  if (!match) return null;
  const [year, month, day, hour, minute, second] = match.slice(1).map((part) => Number(part ?? 0));
  const asUtc = Date.UTC(year, month - 1, day, hour, minute, second);
  const first = asUtc - offsetMs(asUtc, zone);
  return new Date(asUtc - offsetMs(first, zone));
}

/** The `YYYY-MM-DDTHH:mm` a datetime-local input shows for an instant in `zone`. */
export function instantToZonedInput(instant: Date, zone: string): string {
  const t = wallClock(instant, zone);
  return `${t.year}-${pad(t.month)}-${pad(t.day)}T${pad(t.hour)}:${pad(t.minute)}`;
}

/** Every IANA zone the browser knows; UTC first (the API's default, which the list leaves out). */
export function timeZones(): string[] {
  const zones = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return ['UTC', ...zones.filter((zone) => zone !== 'UTC')];
}
