/**
 * Whether a step may call a host: its `egress` lists exact hosts (`api.example.com`), subdomain
 * wildcards (`*.example.com`, not the bare domain) or `*` (any host; the worker's address checks
 * still apply). The worker's broker and the test harness decide with this same function.
 */
export function hostAllowed(hostname: string, egress: readonly string[]): boolean {
  const host = hostname
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');
  return egress.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p === '*') return true;
    if (p.startsWith('*.')) return host.endsWith(p.slice(1)) && host.length > p.length - 1;
    return host === p;
  });
}
