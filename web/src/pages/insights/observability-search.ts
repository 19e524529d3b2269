/** The Observability page's state in its URL, so that any view of it (window, pipeline, dataset) is a link. */
export type ObservabilitySearch = {
  window?: string;
  pipeline?: string;
  dataset?: string;
  namespace?: string;
};

export const DEFAULT_WINDOW = '24h';

/** The windows offered; the API takes any duration from 1s to 90d, so a hand-written URL may hold another. */
export const WINDOW_CHOICES = [
  { value: '1h', label: '1h', description: 'the last hour' },
  { value: '24h', label: '24h', description: 'the last 24 hours' },
  { value: '1w', label: '1w', description: 'the last week' },
  { value: '30d', label: '30d', description: 'the last 30 days' },
  { value: '90d', label: '90d', description: 'the last 90 days' },
];

const DURATION = /^(\d{1,4}[smhdw])+$/;
const text = (value: unknown, max: number) => (typeof value === 'string' && value.trim() && value.length <= max ? value.trim() : undefined);

/** The route's validateSearch: keeps what looks right and drops the rest, the default window included, so links stay short. */
export function parseObservabilitySearch(raw: Record<string, unknown>): ObservabilitySearch {
  const window = text(raw.window, 16);
  return {
    window: window && DURATION.test(window) && window !== DEFAULT_WINDOW ? window : undefined,
    pipeline: text(raw.pipeline, 63),
    dataset: text(raw.dataset, 1024),
    namespace: text(raw.namespace, 256),
  };
}

export const windowOf = (search: ObservabilitySearch) => search.window ?? DEFAULT_WINDOW;

/** The search after picking another window (the default leaves the URL). */
export function withWindow(search: ObservabilitySearch, window: string): ObservabilitySearch {
  return parseObservabilitySearch({ ...search, window });
}

/** The choices for the window control, with a window from the URL that is not among them. */
export function windowChoices(current: string) {
  return WINDOW_CHOICES.some((choice) => choice.value === current)
    ? WINDOW_CHOICES
    : [...WINDOW_CHOICES, { value: current, label: current, description: `the last ${current}` }];
}
