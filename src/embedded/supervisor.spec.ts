import { describe, expect, it } from 'vitest';
import { supervise, type Supervised } from './supervisor.js';

function fakeServer() {
  let exit!: () => void;
  const server: Supervised & { kill(): void; stopped: boolean } = {
    exited: new Promise<void>((resolve) => (exit = resolve)),
    stopped: false,
    kill: () => exit(),
    async stop() {
      server.stopped = true;
      exit();
    },
  };
  return server;
}

const until = async (check: () => boolean) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(check()).toBe(true);
};

describe(supervise.name, () => {
  it('starts a server that exited unexpectedly again, and stops the current one', async () => {
    const started: ReturnType<typeof fakeServer>[] = [];
    const warnings: string[] = [];
    const supervisor = await supervise({
      name: 'server',
      start: async () => started[started.push(fakeServer()) - 1],
      warn: (m) => warnings.push(m),
      giveUp: () => {},
      firstDelayMs: 1,
    });
    expect(supervisor.first).toBe(started[0]);
    started[0].kill();
    await until(() => supervisor.current() === started[1]);
    expect(warnings).toEqual(['server exited unexpectedly; starting it again in 1 ms', 'server started again']);
    await supervisor.stop();
    expect(started[1].stopped).toBe(true);
    await new Promise((r) => setTimeout(r, 20));
    expect(started).toHaveLength(2);
  });

  it('gives up after too many failures in the window', async () => {
    let starts = 0;
    let gaveUp = '';
    const supervisor = await supervise({
      name: 'server',
      warn: () => {},
      giveUp: (m) => (gaveUp = m),
      firstDelayMs: 1,
      maxFailures: 2,
      start: async () => {
        if (starts++ > 0) throw new Error('port taken');
        const server = fakeServer();
        setTimeout(() => server.kill(), 1);
        return server;
      },
    });
    await until(() => gaveUp !== '');
    expect(gaveUp).toMatch(/^server did not start \(port taken\): 3 failures in 300 s, giving up$/);
    expect(starts).toBe(3);
    await supervisor.stop();
  });
});
