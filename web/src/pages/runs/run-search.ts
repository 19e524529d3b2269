/** The run page's own search params: the open step (its drawer) and the tab, so that both are links. */
export type RunTab = 'graph' | 'timeline' | 'logs' | 'data';
export interface RunSearch {
  step?: string;
  tab?: RunTab;
}

const TABS: readonly RunTab[] = ['graph', 'timeline', 'logs', 'data'];

export function parseRunSearch(search: Record<string, unknown>): RunSearch {
  const step = typeof search.step === 'string' && search.step ? search.step : undefined;
  const tab = TABS.find((known) => known === search.tab);
  return { ...(step ? { step } : {}), ...(tab ? { tab } : {}) };
}
