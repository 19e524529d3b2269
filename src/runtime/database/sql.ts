/**
 * One SQL statement on the caller's connection and transaction, answering rows: the API passes
 * its TypeORM transaction (`typeormSql`), the worker a pg client (`pgSql`). Code both sides share
 * (run admission, the run ledger, model stages) takes an `Sql`, so it runs inside the caller's
 * transaction: admission's checks and the run's insert stand or fall together.
 */
export type Sql = <R = Record<string, unknown>>(text: string, params: unknown[]) => Promise<R[]>;

/** A pg client (or pool) as an `Sql`. */
export const pgSql =
  (client: { query(text: string, params: unknown[]): Promise<{ rows: unknown[] }> }): Sql =>
  async <R>(text: string, params: unknown[]) =>
    (await client.query(text, params)).rows as R[];

/** An ILIKE pattern matching `text` anywhere, its `%`, `_` and `\` taken as letters (a search box, never a pattern). */
export const containsPattern = (text: string) => `%${text.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
