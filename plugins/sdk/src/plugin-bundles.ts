import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';

/** First-party plugins import the SDK by relative path, so its folder is part of every plugin's code. */
const SDK_FOLDER = 'sdk';
/** What Node can load as code or import as data; source maps and the like do not run. */
const CODE_FILE = /\.(?:[cm]?js|json)$/;

/**
 * `sha256:<hex>` of the code a built plugin runs: what pipelines pin and workers verify before
 * running it. `entry` is `<plugins>/<name>/src/index.js`; the digest covers every code file under
 * `<plugins>/<name>/` and `<plugins>/sdk/`, each by its path relative to `<plugins>` and its
 * content, in path order. So it changes with any file the entry can import, but not with where the
 * plugins folder sits, with other plugins, or with source maps.
 */
export function bundleDigest(entry: string): string {
  const digest = createHash('sha256');
  for (const { name, path } of codeFiles(entry)) {
    digest.update(`${JSON.stringify(name)} ${createHash('sha256').update(readFileSync(path)).digest('hex')}\n`);
  }
  return `sha256:${digest.digest('hex')}`;
}

/**
 * A cheap fingerprint of the same files (paths, sizes, change times; no reads): while it is
 * unchanged, a `bundleDigest` computed earlier still holds, so callers can cache digests by it.
 */
export function bundleStamp(entry: string): string {
  return codeFiles(entry)
    .map(({ name, path }) => {
      const { size, mtimeMs, ctimeMs, ino } = statSync(path);
      return `${JSON.stringify(name)} ${size} ${mtimeMs} ${ctimeMs} ${ino}`;
    })
    .join('\n');
}

/** The entry file of every built plugin in a folder laid out as `dist/plugins/<name>/src/index.js`. */
export function pluginEntries(pluginsDir: string): string[] {
  if (!existsSync(pluginsDir)) return [];
  return readdirSync(pluginsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== SDK_FOLDER)
    .map((d) => join(pluginsDir, d.name, 'src', 'index.js'))
    .filter((entry) => existsSync(entry))
    .sort();
}

interface CodeFile {
  /** Relative to the plugins folder, `/`-separated: e.g. `core/src/echo.step.js`. */
  name: string;
  path: string;
}

function codeFiles(entry: string): CodeFile[] {
  const file = resolve(entry);
  if (basename(dirname(file)) !== 'src') throw new Error(`not a built plugin entry (<plugins>/<name>/src/index.js): ${entry}`);
  const pluginDir = dirname(dirname(file));
  const pluginsDir = dirname(pluginDir);
  const paths: string[] = [];
  const visited = new Set<string>();
  for (const folder of [pluginDir, join(pluginsDir, SDK_FOLDER)]) {
    if (existsSync(folder)) collectCode(folder, visited, paths);
  }
  const files = paths.map((path) => ({ name: relative(pluginsDir, path).split(sep).join('/'), path }));
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Follows symlinks, since Node loads through them; each real folder once. */
function collectCode(folder: string, visited: Set<string>, into: string[]): void {
  const real = realpathSync(folder);
  if (visited.has(real)) return;
  visited.add(real);
  for (const dirent of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, dirent.name);
    const kind = dirent.isSymbolicLink() ? statSync(path, { throwIfNoEntry: false }) : dirent;
    if (kind?.isDirectory()) collectCode(path, visited, into);
    else if (kind?.isFile() && CODE_FILE.test(dirent.name)) into.push(path);
  }
}
