import { createHash, randomBytes } from 'node:crypto';

/** How bearer secrets we issue (API keys, invitation and e-mailed tokens) are stored: only their SHA-256, hex. */
export const hashSecretToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** 256 random bits behind a prefix that says what the token is for (`bi_` invitation, `bv_` verification, `br_` reset). */
export const newSecretToken = (prefix: string) => `${prefix}${randomBytes(32).toString('base64url')}`;
