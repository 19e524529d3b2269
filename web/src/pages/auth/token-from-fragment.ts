let taken: string | undefined;

/**
 * The token of a mailed link travels in the URL fragment, which no server receives; it is read
 * once and taken out of the address bar so it lands in no history or screenshot.
 */
export function takeTokenFromFragment(): string {
  const token = new URLSearchParams(location.hash.slice(1)).get('token');
  if (token) {
    taken = token;
    history.replaceState(history.state, '', location.pathname + location.search);
  }
  return taken ?? '';
}
