/** The model page's state in its URL: the version held against the champion, so a comparison is a link. */
export interface ModelSearch {
  challenger?: number;
}

export function parseModelSearch(raw: Record<string, unknown>): ModelSearch {
  const challenger = Number(raw.challenger);
  return { challenger: Number.isInteger(challenger) && challenger > 0 ? challenger : undefined };
}
