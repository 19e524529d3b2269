import { describe, expect, it } from 'vitest';
import { parseConnection } from './connect.js';

describe('mysql connection URLs', () => {
  it('reads user, password, host, port and database, decoded', () => {
    expect(parseConnection('mysql://etl:p%40ss@db.internal:3307/shop')).toEqual({
      host: 'db.internal',
      port: 3307,
      user: 'etl',
      password: 'p@ss',
      database: 'shop',
    });
    expect(parseConnection('mariadb://root@[::1]')).toEqual({ host: '::1', port: 3306, user: 'root', password: '', database: undefined });
  });

  it('refuses what it cannot honour, without repeating the URL', () => {
    for (const url of [
      'mysql://u:s3cret@db/x?ssl-mode=REQUIRED',
      'postgres://u:s3cret@db/x',
      'mysql://u:s3cret%zz@db/x',
      'not a url s3cret',
    ]) {
      let error: unknown;
      try {
        parseConnection(url);
      } catch (caught) {
        error = caught;
      }
      expect(error).toMatchObject({ name: 'StepError', retryable: false, code: 'invalid_connection' });
      expect((error as Error).message).not.toContain('s3cret');
    }
  });
});
