/**
 * The signed-in session: a JWT from /v1/auth/login or /v1/signup, kept in this browser's local
 * storage until it expires or the API refuses it. The console's strict CSP (no inline or foreign
 * script) is what keeps other code from reading it.
 */
export interface Session {
  token: string;
  expiresAt: string;
  email?: string;
}

const KEY = 'baton.session';
const listeners = new Set<() => void>();

function read(): Session | null {
  try {
    const session = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Session | null;
    if (!session || Date.parse(session.expiresAt) <= Date.now()) return null;
    return session;
  } catch {
    return null;
  }
}

export const session = {
  current: read,
  token: (): string | undefined => read()?.token,
  start(next: Session): void {
    localStorage.setItem(KEY, JSON.stringify(next));
    listeners.forEach((listener) => listener());
  },
  end(): void {
    localStorage.removeItem(KEY);
    listeners.forEach((listener) => listener());
  },
  subscribe(listener: () => void): () => void {
    listeners.add(listener);
    return () => listeners.delete(listener);
  },
};

/** When a session JWT expires, from its `exp` claim (the sign-up answer carries the token alone). */
export function tokenExpiry(token: string): string {
  const payload = token.split('.')[1] ?? '';
  const claims = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { exp?: number };
  return new Date((claims.exp ?? 0) * 1000).toISOString();
}
