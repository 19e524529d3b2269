import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('user_account')
export class UserAccountEntity {
  @PrimaryColumn('uuid') id!: string;
  /** Stored lower-cased; unique. */
  @Column('text') email!: string;
  @Column('text', { name: 'password_hash' }) passwordHash!: string;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}
