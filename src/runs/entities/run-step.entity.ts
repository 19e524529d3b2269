import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { ErrorInfo, StepOutputs, StepStatus } from '../../../workers/contracts/index.js';

/** Projection of a step's run events, written by the worker in the same transaction as the events. */
@Entity('run_step')
export class RunStepEntity {
  @PrimaryColumn('uuid', { name: 'run_id' }) runId!: string;
  @PrimaryColumn('text', { name: 'step_id' }) stepId!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('text') uses!: string;
  @Column('text') status!: StepStatus;
  @Column('int') attempt!: number;
  @Column('int') position!: number;
  @Column('timestamptz', { name: 'started_at', nullable: true }) startedAt!: Date | null;
  @Column('timestamptz', { name: 'ended_at', nullable: true }) endedAt!: Date | null;
  @Column('jsonb', { nullable: true }) outputs!: StepOutputs | null;
  /** Set for a `forEach` step once it fans out. */
  @Column('int', { name: 'items_total', nullable: true }) itemsTotal!: number | null;
  @Column('int', { name: 'items_succeeded', default: 0 }) itemsSucceeded!: number;
  @Column('int', { name: 'items_failed', default: 0 }) itemsFailed!: number;
  @Column('jsonb', { nullable: true }) error!: ErrorInfo | null;
}
