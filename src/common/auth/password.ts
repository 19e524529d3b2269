import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import pLimit from 'p-limit';

export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/**
 * A row of OWASP's scrypt table (Password Storage Cheat Sheet): N=2^14, r=8, p=5 is listed as
 * equivalent to the minimum N=2^17, r=8, p=1, in 16 MiB instead of 128 MiB, and takes about a
 * third less time here (`npm run bench:password`).
 */
export const PASSWORD_COST: ScryptCost = { N: 2 ** 14, r: 8, p: 5 };
/** What hashes were made with before issue 17; still verified, and rehashed at the next login. */
export const LEGACY_COST: ScryptCost = { N: 2 ** 14, r: 8, p: 1 };
const KEY_LENGTH = 32;
/**
 * scrypt runs on libuv's thread pool (4 threads), which file and DNS work share: a burst of logins
 * takes at most two of them, and the rest wait their turn in order.
 */
const hashing = pLimit(2);

/** Verified against when an email is unknown, so that the answer takes as long as for a real account. */
export const DUMMY_PASSWORD_HASH = ['scrypt', PASSWORD_COST.N, PASSWORD_COST.r, PASSWORD_COST.p, 'A'.repeat(22), 'A'.repeat(43)].join('$');

function derive(password: string, salt: Buffer, cost: ScryptCost, keyLength: number): Promise<Buffer> {
  return hashing(
    () =>
      new Promise<Buffer>((resolve, reject) =>
        scrypt(password, salt, keyLength, { ...cost, maxmem: 2 * 128 * cost.N * cost.r }, (error, key) =>
          error ? reject(error) : resolve(key),
        ),
      ),
  );
}

/** `scrypt$N$r$p$salt$hash`, parameters kept with the hash so they can be raised later. */
export async function hashPassword(password: string, cost: ScryptCost = PASSWORD_COST): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, cost, KEY_LENGTH);
  return ['scrypt', cost.N, cost.r, cost.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

function parse(stored: string): { cost: ScryptCost; salt: Buffer; hash: Buffer } | null {
  const [scheme, N, r, p, salt, hash] = stored.split('$');
  const cost = { N: Number(N), r: Number(r), p: Number(p) };
  // At most 256 MiB and 32 lanes, whatever a stored row says.
  const sane =
    cost.N >= 2 && Number.isInteger(Math.log2(cost.N)) && cost.r >= 1 && 128 * cost.N * cost.r <= 2 ** 28 && cost.p >= 1 && cost.p <= 32;
  if (scheme !== 'scrypt' || !salt || !hash || !sane) return null;
  return { cost, salt: Buffer.from(salt, 'base64url'), hash: Buffer.from(hash, 'base64url') };
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parse(stored);
  if (!parsed) return false;
  const actual = await derive(password, parsed.salt, parsed.cost, parsed.hash.length);
  return timingSafeEqual(actual, parsed.hash);
}

/** Whether a hash was made at another cost than today's, to be replaced once its password is known. */
export function needsRehash(stored: string): boolean {
  const cost = parse(stored)?.cost;
  return !cost || cost.N !== PASSWORD_COST.N || cost.r !== PASSWORD_COST.r || cost.p !== PASSWORD_COST.p;
}
