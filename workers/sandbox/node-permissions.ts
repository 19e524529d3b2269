import { realpathSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';

/**
 * What a step-runner may do under Node's permission model, the second belt behind the process
 * boundary: read the listed paths (a folder covers everything under it), and nothing else. No fs
 * writes, no child processes, no worker threads, no native addons, no WASI — unless the plugin's
 * signed manifest asks for them (`sandbox` grants): a scratch folder to write, programs, add-ons. Network is not part
 * of Node 20's permission model; it stays open until the egress broker lands.
 */
export interface RunnerPermissions {
  readPaths: readonly string[];
  /** Folders the runner may write (and read): a step process's scratch folder. */
  writePaths?: readonly string[];
  /** Programs: plugins granted `sandbox.childProcess`, and specs of the process-group kill. */
  allowChildProcess?: boolean;
  /** Native add-ons: plugins granted `sandbox.installed` (first-party only), whose modules may load one. */
  allowAddons?: boolean;
}

/** Node 20 names the switch `--experimental-permission`; Node 22.13+ names it `--permission`. */
const PERMISSION_FLAG = process.allowedNodeEnvironmentFlags.has('--permission') ? '--permission' : '--experimental-permission';
/** Node 25+ puts network under the permission model too; the runner still needs it (http/request). */
const ALLOW_NET_FLAG = process.allowedNodeEnvironmentFlags.has('--allow-net') ? ['--allow-net'] : [];
/** Node 20 prints an ExperimentalWarning for the permission model; it would clutter every crash report's stderr tail. */
const QUIET_FLAG = process.allowedNodeEnvironmentFlags.has('--disable-warning') ? ['--disable-warning=ExperimentalWarning'] : [];

/** The node flags that turn the permission model on with exactly these grants. */
export function permissionFlags({
  readPaths,
  writePaths = [],
  allowChildProcess = false,
  allowAddons = false,
}: RunnerPermissions): string[] {
  const writable = expandSymlinks(writePaths.map(checkedPath));
  const reads = expandSymlinks(readPaths.map(checkedPath))
    .concat(writable)
    .map((path) => `--allow-fs-read=${path}`);
  const writes = writable.map((path) => `--allow-fs-write=${path}`);
  return [
    PERMISSION_FLAG,
    ...QUIET_FLAG,
    ...reads,
    ...writes,
    ...ALLOW_NET_FLAG,
    ...(allowChildProcess ? ['--allow-child-process'] : []),
    ...(allowAddons ? ['--allow-addons'] : []),
  ];
}

/**
 * What the runner needs to load code, found from the runner's own path inside an installation
 * (`<root>/dist/workers/sandbox/step-runner.js`): `<root>/dist`, `<root>/node_modules` (zod,
 * jsonata) and `<root>/package.json` (its `"type": "module"` makes dist's `.js` files ES modules).
 * Never the whole root: `$BATON_HOME` defaults to `<root>/.baton`, where the JWT secret lives.
 */
export function installationReadPaths(runnerPath: string): string[] {
  const root = installationRootOf(runnerPath);
  return [join(root, 'dist'), join(root, 'node_modules'), join(root, 'package.json')];
}

/** The installation a runner at `<root>/dist/…` belongs to: `<root>`. */
export function installationRootOf(runnerPath: string): string {
  const dist = nearestAncestorNamed(resolve(runnerPath), 'dist');
  if (!dist) {
    throw new Error(
      `cannot tell which folders the step runner may read: ${runnerPath} is not inside a dist/ folder; pass allowedReadPaths`,
    );
  }
  return dirname(dist);
}

function nearestAncestorNamed(path: string, name: string): string | undefined {
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) {
    if (basename(dir) === name) return dir;
  }
  return undefined;
}

/**
 * Node 20 matches `*` as a wildcard, and some releases split a flag's value on commas: a path with
 * either could grant more than it names. A relative path would be resolved against the cwd.
 */
function checkedPath(path: string): string {
  if (!isAbsolute(path)) throw new Error(`sandbox read paths must be absolute: ${path}`);
  if (/[*,]/.test(path)) throw new Error(`sandbox read paths cannot contain "*" or ",": ${path}`);
  return resolve(path);
}

/** Node checks the real path of what is read (modules are loaded by real path), so grant both. */
function expandSymlinks(paths: string[]): string[] {
  const expanded = paths.flatMap((path) => {
    try {
      const real = realpathSync(path);
      return real === path ? [path] : [path, checkedPath(real)];
    } catch {
      return [path];
    }
  });
  return [...new Set(expanded)];
}
