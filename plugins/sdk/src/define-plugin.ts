import type { z } from 'zod';
import { patternProblem } from './network-endpoints.js';
import type { StepContext } from './step-context.js';

export const PLUGIN_API_VERSION = 1;

const NAME_PATTERN = /^[a-z0-9-]+$/;
// The official pattern from semver.org, so the SDK needs no runtime dependency besides zod.
const SEMVER_PATTERN =
  /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$/;

export interface StepSpec<I extends z.ZodType, O extends z.ZodType> {
  id: string;
  title: string;
  description?: string;
  input: I;
  output: O;
  /** Names of the tenant secrets the step may receive in `ctx.secrets`. */
  secrets?: readonly string[];
  /** Hosts the step may reach through the egress broker. */
  egress?: readonly string[];
  run(input: z.output<I>, ctx: StepContext): z.input<O> | Promise<z.input<O>>;
}

export interface StepDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> extends StepSpec<I, O> {
  readonly secrets: readonly string[];
  readonly egress: readonly string[];
}

export interface PluginSpec {
  name: string;
  version: string;
  steps: readonly StepDefinition[];
  /**
   * Raw network access (TCP through `ctx.net`, e.g. a database driver), beyond HTTP through the
   * egress broker: the `host:port` patterns the plugin may be pointed at (`*:5432`,
   * `*.example.com:9092`). A tenant admin approves the plugin, then concrete endpoints matching them.
   */
  network?: readonly string[];
  /** Before `network`: `true` stood for any endpoint (`*:*`). Kept so that older bundles still load. */
  rawNetwork?: boolean;
  /** What the plugin's step processes may do beyond the default (read their own code, nothing else). */
  sandbox?: SandboxGrants;
}

/**
 * Grants a plugin asks of the sandbox in its signed manifest. `installed` and `childProcess` reach
 * past Node's permission model (native code, other programs), so the registry accepts them from the
 * installation's own publisher only; `scratch` anyone may ask for.
 */
export interface SandboxGrants {
  /** A private, empty, writable folder for each step: `ctx.scratch`. Emptied after the step; each file size-capped. */
  scratch?: boolean;
  /** Modules of the installation the plugin loads with `ctx.installed()` (native add-ons allowed), e.g. `@duckdb/node-api`. */
  installed?: readonly string[];
  /** The step process may start programs (`node:child_process`); only where OS isolation is enforced. */
  childProcess?: boolean;
}

/** Package names, optionally scoped, with an optional subpath: what `ctx.installed()` may be asked for. */
export const INSTALLED_MODULE = /^(@[a-z0-9][a-z0-9._-]*\/)?[a-z0-9][a-z0-9._-]*(\/[a-zA-Z0-9._-]+)*$/;

export interface PluginDefinition extends PluginSpec {
  readonly apiVersion: typeof PLUGIN_API_VERSION;
}

export class PluginDefinitionError extends Error {
  override readonly name = 'PluginDefinitionError';

  constructor(readonly problems: string[]) {
    super(`invalid plugin: ${problems.join('; ')}`);
  }
}

export function defineStep<I extends z.ZodType, O extends z.ZodType>(spec: StepSpec<I, O>): StepDefinition<I, O> {
  const step = { ...spec, secrets: spec.secrets ?? [], egress: spec.egress ?? [] };
  throwIfProblems(stepProblems(step, `step "${String(spec.id)}"`));
  return step;
}

export function definePlugin(spec: PluginSpec): PluginDefinition {
  return validatePlugin({ ...spec, apiVersion: PLUGIN_API_VERSION });
}

/**
 * Checks a plugin's default export by shape. The host runs this on whatever a bundle exports,
 * which may come from another copy of the SDK, so nothing here relies on classes.
 */
export function validatePlugin(candidate: unknown): PluginDefinition {
  if (!isRecord(candidate)) throw new PluginDefinitionError(['the default export is not a plugin object']);
  throwIfProblems(pluginProblems(candidate));
  const steps = (candidate.steps as Record<string, unknown>[]).map((step) => ({
    ...step,
    secrets: step.secrets ?? [],
    egress: step.egress ?? [],
  }));
  return { ...candidate, steps } as unknown as PluginDefinition;
}

function pluginProblems(plugin: Record<string, unknown>): string[] {
  const problems: string[] = [];
  if (plugin.apiVersion !== PLUGIN_API_VERSION) problems.push(`apiVersion must be ${PLUGIN_API_VERSION}, got ${String(plugin.apiVersion)}`);
  if (!matches(plugin.name, NAME_PATTERN)) problems.push(`name must match ${NAME_PATTERN}, got ${JSON.stringify(plugin.name)}`);
  if (!matches(plugin.version, SEMVER_PATTERN)) problems.push(`version must be semver, got ${JSON.stringify(plugin.version)}`);
  if (plugin.rawNetwork !== undefined && typeof plugin.rawNetwork !== 'boolean') problems.push('rawNetwork must be a boolean');
  if (plugin.network !== undefined) {
    if (!isUniqueStringList(plugin.network)) problems.push('network must be a list of distinct host:port patterns');
    else
      problems.push(
        ...(plugin.network as string[]).flatMap((pattern) => patternProblem(pattern) ?? []).map((problem) => `network: ${problem}`),
      );
  }
  problems.push(...sandboxProblems(plugin.sandbox));
  if (!Array.isArray(plugin.steps)) return [...problems, 'steps must be an array'];
  const seen = new Set<unknown>();
  for (const [index, step] of (plugin.steps as unknown[]).entries()) {
    if (!isRecord(step)) {
      problems.push(`steps[${index}] is not an object`);
      continue;
    }
    if (seen.has(step.id)) problems.push(`step id "${String(step.id)}" is used twice`);
    seen.add(step.id);
    problems.push(...stepProblems(step, `steps[${index}] ("${String(step.id)}")`));
  }
  return problems;
}

function stepProblems(step: Record<string, unknown>, label: string): string[] {
  const problems: string[] = [];
  if (!matches(step.id, NAME_PATTERN)) problems.push(`${label}: id must match ${NAME_PATTERN}`);
  if (typeof step.title !== 'string' || step.title.trim() === '') problems.push(`${label}: title is required`);
  if (step.description !== undefined && typeof step.description !== 'string') problems.push(`${label}: description must be a string`);
  if (!isSchema(step.input)) problems.push(`${label}: input must be a zod schema`);
  if (!isSchema(step.output)) problems.push(`${label}: output must be a zod schema`);
  if (typeof step.run !== 'function') problems.push(`${label}: run must be a function`);
  for (const list of ['secrets', 'egress'] as const) {
    if (step[list] !== undefined && !isUniqueStringList(step[list]))
      problems.push(`${label}: ${list} must be a list of distinct non-empty strings`);
  }
  return problems;
}

function sandboxProblems(sandbox: unknown): string[] {
  if (sandbox === undefined) return [];
  if (!isRecord(sandbox)) return ['sandbox must be an object'];
  const problems = Object.keys(sandbox)
    .filter((key) => !['scratch', 'installed', 'childProcess'].includes(key))
    .map((key) => `sandbox.${key} is not a grant (scratch, installed, childProcess)`);
  for (const flag of ['scratch', 'childProcess'] as const) {
    if (sandbox[flag] !== undefined && typeof sandbox[flag] !== 'boolean') problems.push(`sandbox.${flag} must be a boolean`);
  }
  const { installed } = sandbox;
  if (installed !== undefined && (!isUniqueStringList(installed) || !(installed as string[]).every((name) => INSTALLED_MODULE.test(name))))
    problems.push('sandbox.installed must be a list of distinct module names, e.g. @duckdb/node-api');
  return problems;
}

function throwIfProblems(problems: string[]): void {
  if (problems.length > 0) throw new PluginDefinitionError(problems);
}

function isSchema(value: unknown): boolean {
  return isRecord(value) && typeof value.safeParseAsync === 'function';
}

function isUniqueStringList(value: unknown): boolean {
  return Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '') && new Set(value).size === value.length;
}

function matches(value: unknown, pattern: RegExp): boolean {
  return typeof value === 'string' && pattern.test(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
