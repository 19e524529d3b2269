import { execFileSync } from 'node:child_process';
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
        `--data=${1536 * 1024 * 1024} --nofile=256 --fsize=0 --nproc=256 --core=0 --`,
        '/usr/bin/unshare --net --pid --ipc --uts --mount-proc --fork --kill-child --',
        '/bin/sh -c /sbin/ip link set lo up && unset PWD && exec "$@" sh',
        '/usr/bin/setpriv --reuid=200007 --regid=200007 --clear-groups --no-new-privs --inh-caps=-all --bounding-set=-all --',
        '/usr/bin/node runner.js',
      ].join(' '),
    );
  });

  // What the step's scripts rely on (a loopback for the egress proxy) and what keeps them apart, really run.
  it.runIf(process.getuid?.() === 0)('brings loopback up, shows only its own processes and caps processes per uid', () => {
    const probe = 'ip -o link show lo; ls /proc | grep -c "^[0-9]"; awk "/^Max processes/ { print \\$3 }" /proc/self/limits; id -u';
    const { command, args } = isolate(['/bin/sh', '-c', probe], {
      uid: 200099,
      limits: { dataMb: 512, openFiles: 64, fileSizeBytes: 0, processes: 32 },
    });
    const [link, processes, limit, uid, ...rest] = execFileSync(command, args, {
      encoding: 'utf8',
      env: { PATH: '/usr/sbin:/usr/bin:/sbin:/bin' },
    })
      .trim()
      .split('\n');
    expect(link).toMatch(/<LOOPBACK,UP,LOWER_UP>/);
    // The shell, ls and grep.
    expect(Number(processes)).toBeLessThanOrEqual(3);
    expect([limit, uid, ...rest]).toEqual(['32', '200099']);
    // The shell that brought loopback up leaves nothing in the program's environment, not even its PWD.
    const env = isolate(['/usr/bin/env'], { uid: 200099, limits: { dataMb: 512, openFiles: 64, fileSizeBytes: 0 } });
    expect(execFileSync(env.command, env.args, { encoding: 'utf8', env: {} })).toBe('');
  });
});
