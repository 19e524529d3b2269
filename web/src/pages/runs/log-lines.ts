import type { RunEvent } from './run-types';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/** One `step.log` event as the logs panel shows it. */
export interface LogLine {
  id: number;
  at: string;
  stepId: string | null;
  item?: number;
  attempt?: number;
  level: LogLevel;
  message: string;
  fields?: Record<string, unknown>;
}

const LEVELS: readonly LogLevel[] = ['debug', 'info', 'warn', 'error'];

/** A run event (a JSON page's item, or an SSE message's data) as a log line; null for any other event. */
export function toLogLine(event: RunEvent | Record<string, unknown>): LogLine | null {
  if (event.type !== 'step.log' || typeof event.id !== 'number') return null;
  const level = LEVELS.find((known) => known === event.level) ?? 'info';
  return {
    id: event.id,
    at: String(event.at),
    stepId: typeof event.stepId === 'string' ? event.stepId : null,
    item: typeof event.item === 'number' ? event.item : undefined,
    attempt: typeof event.attempt === 'number' ? event.attempt : undefined,
    level,
    message: typeof event.message === 'string' ? event.message : '',
    fields: event.fields && typeof event.fields === 'object' ? (event.fields as Record<string, unknown>) : undefined,
  };
}

/** The line as one string: what the search looks in, and what a copy gives. */
export const lineText = (line: LogLine) =>
  `${line.level} ${line.stepId ?? ''}${line.item === undefined ? '' : `[${line.item}]`} ${line.message}${line.fields ? ` ${JSON.stringify(line.fields)}` : ''}`;

/** The lines containing every word of `search` (any case, anywhere in the line or its fields). */
export function searchLines(lines: LogLine[], search: string): LogLine[] {
  const words = search.toLowerCase().split(/\s+/).filter(Boolean);
  if (!words.length) return lines;
  return lines.filter((line) => {
    const text = lineText(line).toLowerCase();
    return words.every((word) => text.includes(word));
  });
}

/** Lines received live added to those already shown, once each and in event order, keeping the last `limit`. */
export function appendLines(shown: LogLine[], received: LogLine[], limit: number): LogLine[] {
  const last = shown.length ? shown[shown.length - 1].id : 0;
  const fresh = received.filter((line) => line.id > last);
  if (!fresh.length) return shown;
  const all = shown.concat(fresh);
  return all.length > limit ? all.slice(all.length - limit) : all;
}
