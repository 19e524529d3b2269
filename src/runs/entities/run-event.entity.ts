import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('run_event')
export class RunEventEntity {
  @PrimaryColumn('bigint') id!: string;
  @Column('uuid', { name: 'run_id' }) runId!: string;
  @Column('uuid', { name: 'tenant_id' }) tenantId!: string;
  @Column('text') key!: string;
  @Column('text') type!: string;
  @Column('text', { name: 'step_id', nullable: true }) stepId!: string | null;
  @Column('jsonb') data!: Record<string, unknown>;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}
