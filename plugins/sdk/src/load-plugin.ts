import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { validatePlugin, type PluginDefinition } from './define-plugin.js';

/** Imports a plugin bundle by path and checks its default export. Only ever call this in a child process. */
export async function loadPlugin(entry: string): Promise<PluginDefinition> {
  const path = isAbsolute(entry) ? entry : resolve(entry);
  const module = (await import(pathToFileURL(path).href)) as { default?: unknown };
  return validatePlugin(module.default);
}
