/** A child server `baton up` runs: settles when the process is gone, for whatever reason. */
export interface Supervised {
  exited: Promise<unknown>;
  stop: () => Promise<void>;
}

export interface SupervisorOptions<T extends Supervised> {
  name: string;
  start: () => Promise<T>;
  /** Called with each new incarnation, the first included. */
  onStarted?: (started: T) => void;
  warn: (message: string) => void;
  /** More than this many exits or failed starts within `windowMs` and the supervisor gives up. */
  maxFailures?: number;
  windowMs?: number;
  firstDelayMs?: number;
  maxDelayMs?: number;
  giveUp: (message: string) => void;
}

/**
 * Starts a child server and starts it again, on the same port and data, when it exits without
 * being asked to (someone killed it): after 1 s, doubling up to 30 s, and giving up after too many
 * failures in a window, so that the operator's own supervisor sees `baton up` exit non-zero.
 */
export async function supervise<T extends Supervised>(
  options: SupervisorOptions<T>,
): Promise<{ first: T; current: () => T | undefined; stop: () => Promise<void> }> {
  const { maxFailures = 5, windowMs = 5 * 60_000, firstDelayMs = 1_000, maxDelayMs = 30_000 } = options;
  const first = await options.start();
  let current: T | undefined = first;
  let stopping = false;
  let timer: NodeJS.Timeout | undefined;
  let restarting: Promise<void> | undefined;
  const failures: number[] = [];

  const failed = (what: string) => {
    const now = Date.now();
    failures.push(now);
    while (failures.length && failures[0] < now - windowMs) failures.shift();
    if (failures.length > maxFailures) {
      options.giveUp(`${options.name} ${what}: ${failures.length} failures in ${Math.round(windowMs / 1000)} s, giving up`);
      return;
    }
    const delay = Math.min(firstDelayMs * 2 ** (failures.length - 1), maxDelayMs);
    options.warn(`${options.name} ${what}; starting it again in ${delay} ms`);
    timer = setTimeout(() => {
      timer = undefined;
      restarting = restart();
    }, delay);
  };

  const restart = async () => {
    try {
      const started = await options.start();
      if (stopping) return void (await started.stop());
      current = started;
      watch(started);
      options.warn(`${options.name} started again`);
      options.onStarted?.(started);
    } catch (error) {
      if (!stopping) failed(`did not start (${error instanceof Error ? error.message.split('\n')[0] : String(error)})`);
    }
  };

  const watch = (started: T) => {
    void started.exited.then(() => {
      if (stopping || current !== started) return;
      current = undefined;
      failed('exited unexpectedly');
    });
  };

  watch(first);
  options.onStarted?.(first);
  return {
    first,
    current: () => current,
    async stop() {
      stopping = true;
      if (timer) clearTimeout(timer);
      await restarting;
      await current?.stop();
    },
  };
}
