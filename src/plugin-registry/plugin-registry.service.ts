import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { BATON_CONFIG, type RuntimeConfig } from '../config/runtime-config.js';
import type { PluginCatalogView } from '../pipelines/definition/pipeline-validator.js';
import { describeFirstPartyPlugins } from './first-party-plugins.js';
import { PluginRegistryRepository } from './plugin-registry.repository.js';

@Injectable()
export class PluginRegistryService implements OnModuleInit {
  private readonly logger = new Logger(PluginRegistryService.name);

  constructor(private readonly registry: PluginRegistryRepository, @Inject(BATON_CONFIG) private readonly config: RuntimeConfig) {}

  async onModuleInit(): Promise<void> {
    const dir = this.config.pluginsDir;
    const plugins = await describeFirstPartyPlugins(dir);
    for (const plugin of plugins) await this.registry.upsertFirstParty({ ...plugin.manifest, manifest: plugin.manifest, digest: plugin.digest });
    this.logger.log(`First-party plugins: ${plugins.map((p) => `${p.manifest.name}@${p.manifest.version}`).join(', ') || 'none found in ' + dir}`);
  }

  /** Every version of every plugin, as the pipeline validator sees them. */
  async catalog(): Promise<PluginCatalogView> {
    const rows = await this.registry.findAll();
    const byName = new Map<string, ReturnType<PluginCatalogView['versions']>>();
    for (const row of rows) {
      const steps = Object.fromEntries(row.manifest.steps.map((s) => [s.id, { inputSchema: s.inputSchema, outputSchema: s.outputSchema }]));
      byName.set(row.name, [...(byName.get(row.name) ?? []), { version: row.version, digest: row.digest, steps }]);
    }
    return { versions: (plugin) => byName.get(plugin) ?? [] };
  }

  /** The whole catalogue in one page: it holds plugin versions, not tenant data, and stays small. */
  async list() {
    const rows = await this.registry.findAll();
    const items = rows.map((r) => ({ name: r.name, version: r.version, digest: r.digest, source: r.source, steps: r.manifest.steps.map((s) => ({ id: s.id, title: s.title, inputSchema: s.inputSchema, outputSchema: s.outputSchema })) }));
    return { items, nextCursor: null };
  }
}
