import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('tenant')
export class TenantEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column('text') name!: string;
  @Column('text') plan!: string;
  @Column('text') status!: 'active' | 'suspended';
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}
