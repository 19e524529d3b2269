import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('user_account')
export class UserAccountEntity {
  @PrimaryColumn('uuid') id!: string;
  /** Stored lower-cased; unique. */
  @Column('text') email!: string;
  @Column('text', { name: 'password_hash' }) passwordHash!: string;
  /** When the address was proven (a verification link, an invitation, a password reset); null until then. */
  @Column('timestamptz', { name: 'email_verified_at', nullable: true }) emailVerifiedAt!: Date | null;
  /** Sessions issued before it no longer work; null when the password was never changed. */
  @Column('timestamptz', { name: 'password_changed_at', nullable: true }) passwordChangedAt!: Date | null;
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz', precision: 3 }) createdAt!: Date;
}
