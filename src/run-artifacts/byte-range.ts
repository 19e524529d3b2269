import type { ByteRange } from '../runtime/artifacts/artifact-store.js';

/**
 * The one range of a `Range: bytes=…` header (RFC 9110) within `size` bytes: `start-end`,
 * `start-` or `-suffix`. Undefined for no header, another unit or several ranges (the whole
 * content is then sent, as the RFC allows); `unsatisfiable` when the range lies outside.
 */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  const match = header && /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    if (suffix === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(size - suffix, 0), end: size - 1 };
  }
  const start = Number(match[1]);
  const end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}
