import { QueryFailedError } from 'typeorm';

/**
 * The statement broke this unique index (SQLSTATE 23505): how a name taken by a concurrent request
 * is told apart from any other failure, whatever a pre-check saw.
 */
export function violatesUnique(error: unknown, index: string): boolean {
  const cause = (error instanceof QueryFailedError ? error.driverError : error) as { code?: string; constraint?: string } | undefined;
  return cause?.code === '23505' && cause.constraint === index;
}
