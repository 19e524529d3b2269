/**
 * Crash points for the fault tests (test/reliability/): a process started with
 * `BATON_FAULT_POINT=<name>` kills itself with SIGKILL when it reaches `faultPoint('<name>')`, so a
 * test can make it die exactly between two effects, as the OOM killer might; `faultArmed('<name>')`
 * lets it fail there in another way (a reply lost on the network). Read once at start-up,
 * and only when NODE_ENV is `test` too: in any other process the variable does nothing, so it cannot
 * be switched on in production by accident. Not a config variable on purpose: no operator sets it.
 */
const armed = process.env.NODE_ENV === 'test' && process.env.BATON_FAULT_POINT ? process.env.BATON_FAULT_POINT : null;

export function faultPoint(name: string): void {
  if (armed === name) process.kill(process.pid, 'SIGKILL');
}

/** Whether this process was started to fail at `name` (see above). */
export function faultArmed(name: string): boolean {
  return armed === name;
}
