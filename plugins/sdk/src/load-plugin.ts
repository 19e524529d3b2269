import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { validatePlugin, type PluginDefinition } from './define-plugin.js';

/**
 * Imports a plugin bundle by path and checks its default export. Only ever call this in a child process.
 * Node keeps every module it imported by URL: a `search` (`?…`) imports the file anew under a URL of its own.
 */
export async function loadPlugin(entry: string, search?: string): Promise<PluginDefinition> {
  const url = pathToFileURL(isAbsolute(entry) ? entry : resolve(entry));
  if (search) url.search = search;
  const module = (await import(url.href)) as { default?: unknown };
  return validatePlugin(module.default);
}
