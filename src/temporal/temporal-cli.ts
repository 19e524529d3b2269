import { execFileSync, spawn } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The newest temporalio/cli tag that `go install` accepts (later ones carry a `replace` directive). */
export const TEMPORAL_CLI_VERSION = '1.5.1';

function cacheDir(): string {
  return toolCacheDir(`temporal-${TEMPORAL_CLI_VERSION}`);
}

export function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(binary: string, extraDirs: string[] = []): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter), ...extraDirs];
  return dirs.map((dir) => join(dir, binary)).find((candidate) => candidate && isExecutable(candidate));
}

/**
 * Finds the `temporal` CLI: TEMPORAL_CLI_PATH, then `temporal` on PATH, then the user cache;
 * otherwise builds it once with Go into the cache (it is on neither npm nor Debian).
 */
export async function resolveTemporalCli(explicit: string | undefined, log: (line: string) => void = console.error): Promise<string> {
  if (explicit) {
    if (!isExecutable(explicit)) throw new Error(`TEMPORAL_CLI_PATH=${explicit} is not an executable file`);
    return explicit;
  }
  const found = onPath('temporal');
  if (found) return found;
  const cached = join(cacheDir(), 'bin', 'temporal');
  if (isExecutable(cached)) return cached;
  await buildWithGo(cacheDir(), log);
  if (!isExecutable(cached)) throw new Error(`Building the Temporal CLI did not produce ${cached}`);
  return cached;
}

async function buildWithGo(dir: string, log: (line: string) => void): Promise<void> {
  if (!onPath('go', ['/usr/local/go/bin']))
    throw new Error(
      'The Temporal dev server is needed but neither `temporal` nor Go is installed. Install Go, set TEMPORAL_CLI_PATH, or set TEMPORAL_ADDRESS to an existing Temporal server.',
    );
  log(`Building the Temporal CLI ${TEMPORAL_CLI_VERSION} with Go into ${dir} (first run only; this takes a few minutes)...`);
  await goInstall(`github.com/temporalio/cli/cmd/temporal@v${TEMPORAL_CLI_VERSION}`, join(dir, 'bin'), [
    '-ldflags',
    `-X github.com/temporalio/cli/temporalcli.Version=${TEMPORAL_CLI_VERSION}`,
  ]);
}

/** The user cache folder for a tool built here (`~/.cache/baton/<name>`, or under XDG_CACHE_HOME). */
export function toolCacheDir(name: string): string {
  return join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'baton', name);
}

/** `go install <module@version>` into `binDir`, with Go's output shown (it can take minutes). */
export async function goInstall(moduleAtVersion: string, binDir: string, flags: string[] = []): Promise<void> {
  const go = onPath('go', ['/usr/local/go/bin']);
  if (!go) throw new Error(`Go is needed to build ${moduleAtVersion} once; install Go`);
  mkdirSync(binDir, { recursive: true });
  await new Promise<void>((resolve, reject) => {
    const child = spawn(go, ['install', ...flags, moduleAtVersion], {
      env: { ...process.env, GOBIN: binDir },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install ${moduleAtVersion} exited with ${code}`))));
  });
}

export function temporalCliVersion(path: string): string {
  return existsSync(path) ? execFileSync(path, ['--version'], { encoding: 'utf8' }).trim() : 'missing';
}
