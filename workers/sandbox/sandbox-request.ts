import { randomUUID } from 'node:crypto';
import type { SandboxGrants } from '../../plugins/sdk/src/define-plugin.js';
import type { RunTaskMessage, TaskContext } from './sandbox-protocol.js';
import type { TcpAccess } from './tcp-relay.js';

export interface SandboxRequest {
  tenantId: string;
  /** Identifies one exact plugin version, e.g. `core@1.0.0`. Children are reused only within tenant + pluginKey. */
  pluginKey: string;
  /** Absolute path of the plugin's JS entry. */
  entry: string;
  /** `sha256:<hex>` the entry must hash to each time a process loads it; unchecked when absent (specs' fixtures). */
  digest?: string;
  /** Hosts the step declared (from the signed manifest, never from the child): the broker's allow-list. */
  egress?: readonly string[];
  /** Published by the installation itself: runs even where OS isolation is not available (`auto`). */
  firstParty?: boolean;
  /** What the plugin's signed manifest asks of the sandbox beyond the default; only first-party plugins get `installed` and `childProcess`. */
  grants?: SandboxGrants;
  /** The plugin's raw network access (from its signed manifest and the tenant's approvals), relayed by the worker. */
  network?: TcpAccess;
  /** The plugin's step id, e.g. `echo`. */
  stepId: string;
  input: Record<string, unknown>;
  /** The tenant comes from `tenantId` above, so a context can never name another tenant. */
  ctx: Omit<TaskContext, 'tenantId'>;
  timeoutMs: number;
}

/**
 * Why the plugin's grants cannot be given on this worker, if they cannot (the registry checks the
 * first-party rule at publishing too). `isolationGap`: why OS isolation is off, undefined when it is on.
 */
export function refusedGrant({ grants = {}, firstParty, pluginKey }: SandboxRequest, isolationGap: string | undefined): string | undefined {
  if ((grants.installed?.length || grants.childProcess) && !firstParty)
    return `${pluginKey} asks for installed modules or programs, which only first-party plugins get`;
  if (grants.childProcess && isolationGap !== undefined)
    return `${pluginKey} starts programs, which run beyond Node's permission model: this worker runs them only with OS isolation (${isolationGap})`;
  return undefined;
}

export function toRunMessage(
  { tenantId, entry, digest, stepId, input, ctx, grants }: SandboxRequest,
  scratch: string | undefined,
  installationRoot: string | undefined,
): RunTaskMessage {
  return {
    type: 'run',
    taskId: randomUUID(),
    entry,
    digest,
    stepId,
    input,
    ctx: { ...ctx, tenantId },
    ...(scratch && { scratch }),
    ...(grants?.installed?.length && installationRoot && { installed: { from: installationRoot, modules: [...grants.installed] } }),
  };
}
