import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export interface PluginManifest {
  name: string;
  version: string;
  apiVersion: number;
  steps: Array<{ id: string; title: string; description?: string; inputSchema: object; outputSchema: object; secrets: string[]; egress: string[] }>;
}

@Entity('plugin_version')
export class PluginVersionEntity {
  @PrimaryColumn('text') name!: string;
  @PrimaryColumn('text') version!: string;
  /** SHA-256 of the plugin's bundle; runs pin it. */
  @Column('text') digest!: string;
  @Column('jsonb') manifest!: PluginManifest;
  @Column('text') source!: 'first-party';
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}
