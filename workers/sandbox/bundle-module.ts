/**
 * How the step-runner (inside the sandbox) compiles and runs a plugin bundle: as a `vm`
 * SourceTextModule (`--experimental-vm-modules`) from the very bytes whose digest it checked, with
 * V8's code cache when the worker has one for that digest. A cold process spends about a third of
 * its start parsing the bundle; with the cache V8 deserializes the parsed top level instead.
 *
 * Only self-contained bundles go this way: what `baton plugin pack` makes, whose imports are all
 * Node built-ins (linked here from `require`, without starting Node's ES module loader either).
 * Anything else (specs' fixtures that import zod by name) is imported as before.
 */
import { isBuiltin } from 'node:module';
import { dirname } from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';

/** A bundle compiled and not yet run: nothing of the plugin's own code has executed. */
export interface CompiledBundle {
  module: vm.SourceTextModule;
  /** Whether V8 took the code cache it was given (false also when none was given). */
  cacheUsed: boolean;
}

/**
 * Compiles a bundle without running any of it; undefined when it imports something other than
 * Node's built-ins (it is then imported by URL). `cachedData` is dropped, not fatal, when V8
 * refuses it (another Node, other flags, damaged bytes).
 */
export function compileBundle(source: string, path: string, cachedData?: Buffer): CompiledBundle | undefined {
  const url = pathToFileURL(path).href;
  const compile = (cache: Buffer | undefined) =>
    new vm.SourceTextModule(source, {
      identifier: url,
      cachedData: cache,
      initializeImportMeta(meta) {
        meta.url = url;
        Object.assign(meta, { filename: path, dirname: dirname(path) });
      },
      importModuleDynamically: ((specifier: string) => import(resolveFrom(url, specifier))) as never,
    });
  let module: vm.SourceTextModule;
  let cacheUsed = cachedData !== undefined;
  try {
    module = compile(cachedData);
  } catch (error) {
    if (cachedData === undefined || (error as { code?: string }).code !== 'ERR_VM_MODULE_CACHED_DATA_REJECTED') throw error;
    module = compile(undefined);
    cacheUsed = false;
  }
  if (!module.dependencySpecifiers.every((specifier) => isBuiltin(specifier))) return undefined;
  return { module, cacheUsed };
}

/** V8's code cache of a compiled, never run, bundle: for the worker to hand to the next process. */
export function codeCacheOf({ module }: CompiledBundle): Buffer {
  // Node has had it since 13.7; @types/node leaves it out.
  return (module as vm.SourceTextModule & { createCachedData(): Buffer }).createCachedData();
}

/** Links the bundle's built-in imports and runs it; returns its module namespace. */
export async function evaluateBundle({ module }: CompiledBundle): Promise<Record<string, unknown>> {
  await module.link((specifier) => builtinModule(specifier));
  await module.evaluate();
  return module.namespace as Record<string, unknown>;
}

/** A built-in as an ES module namespace would show it: `default` is the whole module, plus each export by name. */
function builtinModule(specifier: string): vm.SyntheticModule {
  const exports = process.getBuiltinModule(specifier) as Record<string, unknown>;
  const names = [...new Set(['default', ...Object.keys(exports)])];
  return new vm.SyntheticModule(
    names,
    function () {
      for (const name of names) this.setExport(name, name === 'default' ? exports : exports[name]);
    },
    { identifier: specifier },
  );
}

/** `import()` inside the bundle resolves relative paths against the bundle, as it would as a file. */
function resolveFrom(url: string, specifier: string): string {
  return specifier.startsWith('.') || specifier.startsWith('/') ? new URL(specifier, url).href : specifier;
}
