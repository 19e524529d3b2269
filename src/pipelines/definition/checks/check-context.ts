import {
  failureHandlerId,
  type PinnedStep,
  type PipelineDefinition,
  type PipelineStep,
} from '../../../../workers/contracts/pipeline.contract.js';
import type { FieldProblem } from '../../../common/errors/baton-error.js';

/** What the validator needs to know about the plugins a tenant may use (enabled versions only). */
export interface PluginCatalogView {
  versions(plugin: string): PluginVersionView[];
  /** Why a known plugin has no usable version for this tenant (not enabled, not approved, yanked). */
  unavailableBecause?(plugin: string): string | undefined;
  /** Whether the tenant approved `plugin` to receive secret `name` in its secret fields; all when left out. */
  secretApproved?(plugin: string, name: string): boolean;
}

export interface PluginVersionView {
  version: string;
  digest: string;
  steps: Record<string, { inputSchema: object; outputSchema?: object }>;
}

/** Where a problem's path is in the text the definition was sent as (YAML): 1-based. */
export type ProblemLocator = (path: string, position?: number) => { line: number; column: number } | undefined;

export interface ValidateOptions {
  /** The URL's `{name}`; the definition must carry the same. */
  expectedName?: string;
  /** Whether this installation can resolve `${{ secrets.NAME }}` when a step runs. */
  secretsAvailable?: boolean;
  /**
   * The worker pools this installation declares (`WORKER_POOLS`), besides the default one; a
   * `runsOn` naming another is refused. Absent: any pool name is taken.
   */
  pools?: readonly string[];
  /** Gives each problem the line and column of its path, when the definition came as YAML. */
  locate?: ProblemLocator;
}

/** The state the checks share, in the order the validator runs them. */
export interface CheckContext {
  /** The definition as parsed; when it failed the schema, the parts of it that passed. */
  readonly definition: PipelineDefinition;
  readonly catalog: PluginCatalogView;
  readonly options: ValidateOptions;
  /** Steps and onFailure handlers (as `onFailure[i]`): checked and pinned alike. */
  readonly runnables: Record<string, PipelineStep>;
  /** Filled by the steps check: every `uses` that resolved. */
  readonly pins: Record<string, PinnedStep>;
  /** Set when checking took more regex work than one validation may. */
  budgetExceeded: boolean;
  /** `position`: the 1-based character in the string value at `path` the problem is about. */
  report: (path: string, message: string, position?: number) => void;
}

export type Check = (context: CheckContext) => void;

export function newCheckContext(
  definition: PipelineDefinition,
  catalog: PluginCatalogView,
  options: ValidateOptions,
  problems: FieldProblem[],
): CheckContext {
  // onFailure handlers are checked and pinned like steps, under ids no step can have.
  const handlers = Object.fromEntries((definition.onFailure ?? []).map((handler, i) => [failureHandlerId(i), handler as PipelineStep]));
  return {
    definition,
    catalog,
    options,
    runnables: { ...definition.steps, ...handlers },
    pins: {},
    budgetExceeded: false,
    report(path, message, position) {
      if (!problems.some((p) => p.path === path && p.message === message))
        problems.push({ path, message, ...(position !== undefined && { position }) });
    },
  };
}

/** Where a step (or an `onFailure[i]` handler) sits in the definition. */
export const stepPath = (id: string) => (id.startsWith('onFailure[') ? id : `steps.${id}`);

export function inputSchemaOf(pin: PinnedStep, catalog: PluginCatalogView): object | undefined {
  return catalog.versions(pin.plugin).find((v) => v.version === pin.version)?.steps[pin.step]?.inputSchema;
}
