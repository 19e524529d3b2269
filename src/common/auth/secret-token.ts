import { createHash } from 'node:crypto';

/** How bearer secrets we issue (API keys, invitation tokens) are stored: only their SHA-256, hex. */
export const hashSecretToken = (token: string) => createHash('sha256').update(token).digest('hex');
