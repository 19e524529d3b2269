import type { DataSource, EntityManager } from 'typeorm';
import type { Sql } from './sql.js';
import type { Transact } from '../ledger/run-ledger.js';

/** A TypeORM transaction as the Nest-free runtime's `Sql`. */
export const typeormSql =
  (tx: EntityManager): Sql =>
  async <R>(text: string, params: unknown[]) =>
    (await tx.queryRunner!.query(text, params, true)).records as R[];

/** Transactions on the API's data source, as the runtime's run ledger and dispatcher take them. */
export const typeormTransact =
  (db: DataSource): Transact =>
  (work) =>
    db.transaction((tx) => work(typeormSql(tx)));
