import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { ErrorInfo, RunStatus, RunTrigger } from '../../../workers/contracts/index.js';

@Entity('run')
export class RunEntity {
  /** Also the Temporal workflow id. */
  @PrimaryColumn('uuid') id!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('uuid', { name: 'pipeline_id' }) pipelineId!: string;
  @Column('text', { name: 'pipeline_name' }) pipelineName!: string;
  @Column('int') version!: number;
  @Column('text') status!: RunStatus;
  @Column('text') trigger!: RunTrigger;
  @Column('jsonb') inputs!: Record<string, unknown>;
  @Column('jsonb', { nullable: true }) outputs!: Record<string, unknown> | null;
  @Column('jsonb', { nullable: true }) error!: ErrorInfo | null;
  /** The run this one retries, if any. */
  @Column('uuid', { name: 'retry_of', nullable: true }) retryOf!: string | null;
  /** The run whose `pipeline/run` step started this one, if any. */
  @Column('uuid', { name: 'parent_run_id', nullable: true }) parentRunId!: string | null;
  @Column('uuid', { name: 'schedule_id', nullable: true }) scheduleId!: string | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt!: Date | null;
  @Column('timestamptz', { name: 'ended_at', nullable: true }) endedAt!: Date | null;
}
