import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('idempotency_record')
export class IdempotencyRecordEntity {
  @PrimaryColumn('uuid', { name: 'tenant_id' }) tenantId!: string;
  @PrimaryColumn('text') key!: string;
  @Column('text', { name: 'request_hash' }) requestHash!: string;
  @Column('int', { name: 'status_code', nullable: true }) statusCode!: number | null;
  @Column('jsonb', { nullable: true }) body!: unknown;
  /** The response carried a credential, which is not kept: the record is not replayed. */
  @Column('boolean', { name: 'credential_withheld', default: false }) credentialWithheld!: boolean;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}
