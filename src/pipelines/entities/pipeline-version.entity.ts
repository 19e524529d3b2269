import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { PinnedStep, PipelineDefinition } from '../../../workers/contracts/index.js';

@Entity('pipeline_version')
export class PipelineVersionEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('uuid', { name: 'pipeline_id' }) pipelineId!: string;
  @Column('int') version!: number;
  @Column('json') definition!: PipelineDefinition;
  @Column('jsonb') pins!: Record<string, PinnedStep>;
  @Column('text') checksum!: string;
  /** The YAML it was saved from, as written; null when it was sent as JSON. */
  @Column('text', { nullable: true }) source!: string | null;
  @Column('uuid', { name: 'created_by', nullable: true }) createdBy!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}
