import { Injectable } from '@nestjs/common';
import type { Principal } from '../common/auth/principal.js';
import { diffPipelines } from '../pipelines/definition/pipeline-diff.js';
import { PipelinesError } from '../pipelines/pipelines.errors.js';
import { PipelinesService } from '../pipelines/pipelines.service.js';
import { PluginRegistryService } from '../plugin-registry/plugin-registry.service.js';
import type { PluginPermissions } from '../plugin-registry/plugin-permissions.js';
import { RunsService } from '../runs/runs.service.js';
import { SchedulesService } from '../schedules/schedules.service.js';
import { TriggersService } from '../triggers/triggers.service.js';

type Pins = Record<string, { plugin: string; version: string }>;

/**
 * A pipeline seen with what depends on it: the plan of a change (the step diff, the schedules
 * and triggers that will start the new version, the runs that keep the old one, the reach the
 * new plugin versions add) and a removal that does not leave schedules firing into nothing.
 */
@Injectable()
export class PipelineChangesService {
  constructor(
    private readonly pipelines: PipelinesService,
    private readonly plugins: PluginRegistryService,
    private readonly runs: RunsService,
    private readonly schedules: SchedulesService,
    private readonly triggers: TriggersService,
  ) {}

  async plan(principal: Principal, name: string, raw: unknown) {
    const { current, next } = await this.pipelines.proposal(principal, name, raw);
    const diff = diffPipelines(current && current.version, next);
    const [schedules, triggers, runsInFlight, newPermissions] = await Promise.all([
      this.schedules.usingPipeline(principal.tenantId, name),
      this.triggers.usingPipeline(principal.tenantId, name),
      current ? this.runs.inFlight(principal.tenantId, name) : [],
      this.addedPermissions(current?.version.pins ?? {}, next.pins),
    ]);
    return {
      name,
      action: !current ? 'create' : current.version.checksum === next.checksum ? 'unchanged' : 'update',
      currentVersion: current?.version.version ?? null,
      checksum: next.checksum,
      ...diff,
      schedules,
      triggers,
      runsInFlight,
      newPermissions,
    };
  }

  /** Refused (409, naming them) while schedules or triggers use the pipeline, unless they go with it. */
  async remove(principal: Principal, name: string, cascade: boolean): Promise<void> {
    await this.pipelines.require(principal.tenantId, name);
    const [schedules, triggers] = await Promise.all([
      this.schedules.usingPipeline(principal.tenantId, name),
      this.triggers.usingPipeline(principal.tenantId, name),
    ]);
    if (!cascade && (schedules.length || triggers.length)) {
      const users = [...schedules.map((s) => `schedule ${s.id}`), ...triggers.map((t) => `trigger ${t.id}`)];
      throw new PipelinesError(
        'pipeline_in_use',
        `Pipeline ${name} is used by ${users.join(', ')}: delete them first, or delete with ?cascade=true`,
        undefined,
        { schedules: schedules.map((s) => s.id), triggers: triggers.map((t) => t.id) },
      );
    }
    for (const schedule of schedules) await this.schedules.remove(principal, schedule.id);
    for (const trigger of triggers) await this.triggers.remove(principal, trigger.id);
    await this.pipelines.remove(principal, name);
  }

  /** A release tag goes unless schedules start the version it points to (409, naming them). */
  async removeTag(principal: Principal, name: string, tag: string): Promise<void> {
    const ref = `${name}@${tag}`;
    const [schedules, triggers] = await Promise.all([
      this.schedules.usingPipeline(principal.tenantId, name),
      this.triggers.usingPipeline(principal.tenantId, name),
    ]);
    const scheduleIds = schedules.filter((s) => s.pipeline === ref).map((s) => s.id);
    const triggerIds = triggers.filter((t) => t.pipeline === ref).map((t) => t.id);
    if (scheduleIds.length || triggerIds.length)
      throw new PipelinesError(
        'tag_in_use',
        `Tag ${tag} of pipeline ${name} is started by ${[...scheduleIds.map((id) => `schedule ${id}`), ...triggerIds.map((id) => `trigger ${id}`)].join(', ')}: point them elsewhere first`,
        undefined,
        { schedules: scheduleIds, triggers: triggerIds },
      );
    await this.pipelines.removeTag(principal, name, tag);
  }

  /** Per plugin the new version pins, what its version may reach beyond what the current pins' version of it may. */
  private async addedPermissions(before: Pins, after: Pins) {
    const versionsBefore = new Map(Object.values(before).map((pin) => [pin.plugin, pin.version]));
    const pinned = new Map(Object.values(after).map((pin) => [pin.plugin, pin.version]));
    const added = [];
    for (const [plugin, version] of pinned) {
      const previous = versionsBefore.get(plugin);
      if (previous === version) continue;
      const asked = await this.permissionsOf(plugin, version);
      const had = previous ? await this.permissionsOf(plugin, previous) : { egress: [], secrets: [], network: [] };
      const more = {
        egress: asked.egress.filter((host) => !had.egress.includes(host)),
        secrets: asked.secrets.filter((secret) => !had.secrets.includes(secret)),
        network: asked.network.filter((pattern) => !had.network.includes(pattern)),
      };
      if (more.egress.length || more.secrets.length || more.network.length) added.push({ plugin, version, ...more });
    }
    return added;
  }

  private async permissionsOf(plugin: string, version: string): Promise<PluginPermissions> {
    return (await this.plugins.getVersion(plugin, version)).permissions;
  }
}
