import { z } from 'zod';
import { boundMessage, formatMessage, oneOfMessage, showValue, typeMessage } from '../../../workers/contracts/schema-messages.js';

export { schemaErrorMessage, schemaErrorPath } from '../../../workers/contracts/schema-messages.js';

type Issue = z.core.$ZodIssue;

/** zod's names for what JSON calls an object or an array. */
const JSON_TYPES: Record<string, string> = { record: 'object', tuple: 'array' };

const zodDefault = z.locales.en().localeError;

/**
 * Whether zod wrote this message itself: a schema's own message (`Must match [a-z0-9-]{1,63}`) is
 * kept as written, zod's (`Invalid input: expected number, received string`) is rewritten.
 */
function isZodMessage(issue: Issue): boolean {
  // zod names the received type, and the issue no longer carries the input it was read from.
  if (issue.code === 'invalid_type') return issue.message.startsWith('Invalid input: expected ');
  if (issue.code === 'custom') return issue.message === 'Invalid input';
  const fallback = zodDefault(issue as never);
  return issue.message === (typeof fallback === 'string' ? fallback : fallback?.message);
}

/** The message of one zod issue in the house style (`Must be a number`, `Must be one of: a, b`). */
export function zodIssueMessage(issue: Issue): string {
  if (!isZodMessage(issue)) return issue.message;
  switch (issue.code) {
    case 'invalid_type':
      return issue.message.endsWith('received undefined') ? 'Required' : typeMessage(JSON_TYPES[issue.expected] ?? issue.expected);
    case 'invalid_value':
      return oneOfMessage(issue.values);
    case 'too_small':
      return issue.exact
        ? exactly(issue.minimum, issue.origin)
        : boundMessage('min', issue.minimum, issue.inclusive ?? true, sizeOrigin(issue.origin));
    case 'too_big':
      return issue.exact
        ? exactly(issue.maximum, issue.origin)
        : boundMessage('max', issue.maximum, issue.inclusive ?? true, sizeOrigin(issue.origin));
    case 'invalid_format':
      return formatIssueMessage(issue);
    case 'not_multiple_of':
      return `Must be a multiple of ${showValue(issue.divisor)}`;
    case 'unrecognized_keys':
      return 'Unknown field';
    case 'invalid_key':
      return issue.issues.length ? zodIssueMessage(issue.issues[0]) : 'Is not a valid key';
    case 'invalid_union':
      return unionMessage(issue);
    case 'invalid_element':
      return 'Holds a value that is not valid';
    default:
      return 'Is not valid';
  }
}

function sizeOrigin(origin: string): string | undefined {
  return origin === 'number' || origin === 'int' || origin === 'bigint' || origin === 'date' ? undefined : origin;
}

function exactly(size: number | bigint, origin: string): string {
  const unit = origin === 'string' ? 'characters' : 'items';
  return `Must have exactly ${String(size)} ${unit}`;
}

function formatIssueMessage(issue: Extract<Issue, { code: 'invalid_format' }>): string {
  const detail = issue as unknown as { prefix?: string; suffix?: string; includes?: string; pattern?: string };
  switch (issue.format) {
    case 'regex':
      return `Must match the pattern ${detail.pattern ?? ''}`.trimEnd();
    case 'starts_with':
      return `Must start with ${detail.prefix ?? ''}`;
    case 'ends_with':
      return `Must end with ${detail.suffix ?? ''}`;
    case 'includes':
      return `Must include ${detail.includes ?? ''}`;
    default:
      return formatMessage(issue.format);
  }
}

/** `Must be a string or an array` when every alternative wanted another type, else a general sentence. */
function unionMessage(issue: Extract<Issue, { code: 'invalid_union' }>): string {
  if (issue.inclusive === false) return 'Must match only one of the allowed forms; it matches several';
  const expected = (issue.errors ?? []).map((branch) =>
    branch.length === 1 && branch[0].code === 'invalid_type' && branch[0].path.length === 0 ? branch[0].expected : undefined,
  );
  if (expected.length > 0 && expected.every((type) => type !== undefined)) return typeMessage([...new Set(expected)] as string[]);
  return 'Must match one of the allowed forms';
}
