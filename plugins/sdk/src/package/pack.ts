import { build, type BuildOptions, type Message, type Plugin } from 'esbuild';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { PluginManifest } from '../describe-plugin.js';
import { sha256Digest } from './digest.js';
import { manifestBytes, packageManifest, PACKAGE_FILES, type PackageManifest } from './package-manifest.js';

const HERE = dirname(fileURLToPath(import.meta.url));
/** This SDK's entry (built, or its source under a TypeScript runner), which `@baton/plugin-sdk` resolves to. */
const SDK_ENTRY = ['index.js', 'index.ts'].map((file) => join(HERE, '..', file)).find((path) => existsSync(path))!;
/** The installation's node_modules: a plugin without its own still finds zod there. */
const INSTALLATION_MODULES = nearestNodeModules(HERE);
/** The bundle exports the describe function of its own SDK copy, so its schemas are described by the zod that made them. */
const DESCRIBE_EXPORT = '__batonDescribe';
const DESCRIBE_TIMEOUT_MS = 30_000;

export interface PackOptions {
  /** The plugin's entry module (TypeScript or JavaScript). */
  entry: string;
  /** Where `bundle.mjs` and `manifest.json` are written; created, and emptied of an older package. */
  outDir: string;
  publisher: string;
  /** Modules left out of the bundle: optional native add-ons a dependency requires lazily (e.g. `pg-native`). */
  external?: string[];
}

export class PackError extends Error {
  override readonly name = 'PackError';
}

/** Builds one self-contained ES module from a plugin and writes its manifest beside it. */
export async function packPlugin({ entry, outDir, publisher, external = [] }: PackOptions): Promise<PackageManifest> {
  const entryPath = resolve(entry);
  if (!existsSync(entryPath)) throw new PackError(`plugin entry not found: ${entryPath}`);
  const result = await build({
    ...pluginBuildOptions(),
    // A step process parses the whole bundle when it starts. Names stay, so stack traces still read.
    minifyWhitespace: true,
    minifySyntax: true,
    stdin: {
      contents: `export { default } from ${JSON.stringify(entryPath)};\nexport { describePlugin as ${DESCRIBE_EXPORT} } from '@baton/plugin-sdk';\n`,
      resolveDir: dirname(entryPath),
      sourcefile: 'baton-plugin-entry.js',
    },
    external,
  }).catch((error: { errors?: Message[] }) => {
    throw new PackError(`bundling failed:\n${describeBuildFailure(error)}`);
  });
  const bundle = Buffer.from(result.outputFiles[0].contents);

  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const bundlePath = join(outDir, PACKAGE_FILES.bundle);
  await writeFile(bundlePath, bundle);
  const manifest = packageManifest(await describeBundle(bundlePath), { digest: sha256Digest(bundle), size: bundle.length }, publisher);
  await writeFile(join(outDir, PACKAGE_FILES.manifest), manifestBytes(manifest));
  return manifest;
}

/**
 * How plugin code is bundled, for packing and for `baton plugin test` alike: one ES module for
 * Node 20 with every dependency inside, `@baton/plugin-sdk` being this SDK.
 */
export function pluginBuildOptions() {
  return {
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    logLevel: 'silent',
    alias: { '@baton/plugin-sdk': SDK_ENTRY },
    nodePaths: [INSTALLATION_MODULES],
    // CommonJS dependencies `require` Node's built-ins; an ES module has no `require` of its own.
    banner: {
      js: "import { createRequire as __batonCreateRequire } from 'node:module';\nconst require = __batonCreateRequire(import.meta.url);",
    },
    legalComments: 'inline',
    plugins: [zodEnglishOnly],
  } satisfies BuildOptions;
}

/**
 * zod's `locales` namespace holds the error messages of ~50 languages, half of a small plugin's
 * bundle, and every step process parses its bundle when it starts. Bundles keep English, zod's
 * default; a plugin that wants another language imports it by path (`zod/v4/locales/fr.js`).
 */
const zodEnglishOnly: Plugin = {
  name: 'baton-zod-english-only',
  setup(build) {
    build.onResolve({ filter: /^\.\.\/locales\/index\.js$/ }, ({ importer }) =>
      /[\\/]node_modules[\\/]zod[\\/]/.test(importer)
        ? { path: join(dirname(importer), '..', 'locales', 'index.js'), namespace: 'zod-english' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'zod-english' }, ({ path }) => ({
      contents: "export { default as en } from './en.js';",
      resolveDir: dirname(path),
    }));
  },
};

/** Bundling errors, one per line with where they are. */
export function describeBuildFailure(error: { errors?: Message[] }): string {
  return (error.errors ?? []).map(formatMessage).join('\n') || (error instanceof Error ? error.message : JSON.stringify(error));
}

/** Loads the bundle in a child process with an empty environment and asks it to describe itself. */
async function describeBundle(bundlePath: string): Promise<PluginManifest> {
  const script = `const m = await import(${JSON.stringify(pathToFileURL(bundlePath).href)});
if (typeof m.${DESCRIBE_EXPORT} !== 'function') throw new Error('the bundle does not export the SDK describe function');
process.stdout.write(JSON.stringify(m.${DESCRIBE_EXPORT}(m.default)));
process.exit(0);`;
  try {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
      env: {},
      timeout: DESCRIBE_TIMEOUT_MS,
      maxBuffer: 16 * 1024 * 1024,
    });
    return JSON.parse(stdout) as PluginManifest;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new PackError(`the plugin could not describe itself: ${lastErrorLine(stderr) ?? (error as Error).message}`);
  }
}

function lastErrorLine(stderr: string | undefined): string | undefined {
  return stderr?.split('\n').find((line) => /Error/.test(line)) ?? stderr?.split('\n').at(-1);
}

function nearestNodeModules(from: string): string {
  for (let dir = from; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'node_modules', 'zod'))) return join(dir, 'node_modules');
  }
  throw new Error(`no node_modules with zod above ${from}`);
}

function formatMessage(message: Message): string {
  const at = message.location ? `${message.location.file}:${message.location.line}:${message.location.column}: ` : '';
  return `  ${at}${message.text}`;
}
