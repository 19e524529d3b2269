/**
 * Named points where the fault tests make a process die as the OOM killer would: with
 * `BATON_FAULT_POINT=<name>` and `NODE_ENV=test`, the process SIGKILLs itself the first time it
 * reaches that point. Both are needed, and both are read once at start-up, so an installation
 * never dies here by a stray variable; outside tests a call costs one comparison.
 */
const armed = process.env.NODE_ENV === 'test' ? process.env.BATON_FAULT_POINT : undefined;

export function faultPoint(name: string): void {
  if (armed !== undefined && armed === name) process.kill(process.pid, 'SIGKILL');
}
