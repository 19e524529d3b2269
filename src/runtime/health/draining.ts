/**
 * Set once this process was asked to stop (SIGTERM, SIGINT): `/readyz` answers 503 `draining` from
 * then on, so that a load balancer takes the replica out while it finishes what it has.
 */
let since: Date | undefined;

export function startDraining(): void {
  since ??= new Date();
}

export function drainingSince(): Date | undefined {
  return since;
}
