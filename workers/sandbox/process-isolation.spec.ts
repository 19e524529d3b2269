import { describe, expect, it } from 'vitest';
import { isolate, UidPool } from './process-isolation.js';

describe(UidPool.name, () => {
  it('gives each live process a uid of its own, and reuses a freed one last', () => {
    const pool = new UidPool({ first: 200000, count: 3 });
    const [a, b, c] = [pool.take(), pool.take(), pool.take()];
    expect([a, b, c]).toEqual([200000, 200001, 200002]);
    expect(pool.take()).toBeUndefined();
    pool.give(b!);
    pool.give(b!);
    expect(pool.used).toBe(2);
    expect(pool.take()).toBe(200001);
    pool.give(a!);
    pool.give(c!);
    expect([pool.take(), pool.take()]).toEqual([200000, 200002]);
  });
});

describe(isolate.name, () => {
  it('drops to the uid with no groups or capabilities, in namespaces of its own, with limits, keeping the pid', () => {
    const { command, args } = isolate(['/usr/bin/node', 'runner.js'], {
      uid: 200007,
      limits: { dataMb: 1536, openFiles: 256, fileSizeBytes: 0 },
    });
    expect(command).toBe('/usr/bin/prlimit');
    expect(args.join(' ')).toBe(
      [
        `--data=${1536 * 1024 * 1024} --nofile=256 --fsize=0 --core=0 --`,
        '/usr/bin/unshare --net --pid --ipc --uts --fork --kill-child --',
        '/usr/bin/setpriv --reuid=200007 --regid=200007 --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all --',
        '/usr/bin/node runner.js',
      ].join(' '),
    );
  });
});
