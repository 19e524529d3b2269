import { RUN_STATUSES, RUN_TRIGGERS } from './run-status';
import type { RunListQuery, RunStatus, RunTrigger } from './run-types';

/** The runs list's filters as they stand in the URL (`/runs?status=…&pipeline=…`), so that a filtered view is a link. */
export interface RunsSearch {
  status?: RunStatus[];
  pipeline?: string;
  trigger?: RunTrigger;
  /** ISO 8601 instants: runs created in [from, to]. */
  from?: string;
  to?: string;
  /** Words of the error message or its codes. */
  error?: string;
}

// The router JSON-parses search values: `?pipeline=123` arrives as a number, `?status=["failed"]` as a list.
const text = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '');

function instant(value: unknown): string | undefined {
  const parsed = Date.parse(text(value));
  return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString();
}

/** The route's validateSearch: what is known is kept (a status list also as `failed,cancelled`), the rest dropped. */
export function parseRunsSearch(search: Record<string, unknown>): RunsSearch {
  const listed = Array.isArray(search.status) ? search.status.map(text) : text(search.status).split(',');
  const status = RUN_STATUSES.filter((known) => listed.some((s) => s.trim() === known));
  const trigger = RUN_TRIGGERS.find((known) => known === text(search.trigger));
  return withoutEmpty({
    status,
    pipeline: text(search.pipeline),
    trigger,
    from: instant(search.from),
    to: instant(search.to),
    error: text(search.error).slice(0, 200),
  });
}

/** Drops empty filters, so that the URL holds only the ones in use. */
export function withoutEmpty(search: RunsSearch): RunsSearch {
  const kept: RunsSearch = {};
  if (search.status?.length) kept.status = RUN_STATUSES.filter((s) => search.status!.includes(s));
  if (search.pipeline?.trim()) kept.pipeline = search.pipeline.trim();
  if (search.trigger) kept.trigger = search.trigger;
  if (search.from) kept.from = search.from;
  if (search.to) kept.to = search.to;
  if (search.error?.trim()) kept.error = search.error.trim();
  return kept;
}

export const hasFilters = (search: RunsSearch) => Object.keys(withoutEmpty(search)).length > 0;

/** The filters as GET /v1/runs takes them (a status list is sent as `status=a&status=b`). */
export function toRunListQuery(search: RunsSearch): RunListQuery {
  const { status, ...rest } = withoutEmpty(search);
  return { ...rest, ...(status ? { status } : {}) };
}

const pad = (n: number) => String(n).padStart(2, '0');

/** An instant as a `datetime-local` input shows it: the browser's local time, to the minute. */
export function toLocalInput(iso: string | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** A `datetime-local` value (local time) as the instant the API takes; empty for none. */
export function fromLocalInput(value: string): string | undefined {
  if (!value) return undefined;
  const parsed = new Date(value).getTime();
  return Number.isNaN(parsed) ? undefined : new Date(parsed).toISOString();
}
