import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { PluginVersionEntity } from './entities/plugin-version.entity.js';

@Injectable()
export class PluginRegistryRepository {
  constructor(private readonly db: DataSource) {}

  /** First-party versions are the installation's own code: a rebuilt bundle replaces the digest. */
  async upsertFirstParty(version: Pick<PluginVersionEntity, 'name' | 'version' | 'digest' | 'manifest'>): Promise<void> {
    await this.db.query(
      `INSERT INTO plugin_version (name, version, digest, manifest, source) VALUES ($1, $2, $3, $4, 'first-party')
       ON CONFLICT (name, version) DO UPDATE SET digest = excluded.digest, manifest = excluded.manifest
       WHERE plugin_version.digest <> excluded.digest`,
      [version.name, version.version, version.digest, JSON.stringify(version.manifest)],
    );
  }

  findAll(): Promise<PluginVersionEntity[]> {
    return this.db.getRepository(PluginVersionEntity).find({ order: { name: 'ASC', version: 'ASC' } });
  }
}
