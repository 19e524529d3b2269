/**
 * How the worker in this process isolates step processes, for `/readyz` under `baton up` (a
 * separate worker says it at start and on its metrics page, `baton_sandbox_isolation`).
 * `enforced`: OS isolation; `first-party-only`: none available, so only the installation's own
 * plugins run; `off`: none asked for (SANDBOX_ISOLATION=off), every plugin runs without it.
 */
export interface SandboxPosture {
  isolation: 'enforced' | 'first-party-only' | 'off';
  /** Why OS isolation is not in effect, when it is not. */
  reason?: string;
}

let local: SandboxPosture | undefined;

export function reportSandboxPosture(posture: SandboxPosture): void {
  local = posture;
}

export function localSandboxPosture(): SandboxPosture | undefined {
  return local;
}
