/**
 * Problem messages in one style for every schema language Baton checks with (zod in the API, JSON
 * Schema through ajv in the API and the worker): a sentence starting with a capital, saying what
 * the value must be (`Must be a number`, `Must be one of: a, b, c`, `Unknown field`, `Required`).
 */
import type { ErrorObject } from 'ajv';

const ARTICLE_AN = /^[aeiou]/;

/** `Must be a string`, `Must be an integer or null`, from a JSON type name or a list of them. */
export function typeMessage(types: string | readonly string[]): string {
  const list = (Array.isArray(types) ? types : String(types).split(',')) as string[];
  return `Must be ${joinAlternatives(list.map(typeName))}`;
}

function typeName(type: string): string {
  if (type === 'null' || type === 'undefined' || type === 'NaN') return type;
  return `${ARTICLE_AN.test(type) ? 'an' : 'a'} ${type}`;
}

function joinAlternatives(items: string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}

/** A value as a message shows it: strings as written, anything else as JSON. */
export function showValue(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? String(value);
}

/** `Must be one of: a, b, c`, or `Must be a` when only one value is allowed. */
export function oneOfMessage(values: readonly unknown[]): string {
  if (values.length === 1) return `Must be ${showValue(values[0])}`;
  return `Must be one of: ${values.map(showValue).join(', ')}`;
}

const UNITS: Record<string, [string, string]> = {
  string: ['character', 'characters'],
  array: ['item', 'items'],
  set: ['item', 'items'],
  map: ['entry', 'entries'],
  object: ['field', 'fields'],
  file: ['byte', 'bytes'],
};

/** Bounds on a number (`Must be at least 1`) or on a size (`Must have at most 3 items`). */
export function boundMessage(side: 'min' | 'max', limit: number | bigint, inclusive: boolean, origin?: string): string {
  const unit = origin ? UNITS[origin] : undefined;
  if (unit) {
    const words = Number(limit) === 1 ? unit[0] : unit[1];
    if (side === 'min' && Number(limit) === 1 && inclusive)
      return origin === 'string' ? 'Must not be empty' : `Must have at least 1 ${words}`;
    const verb = origin === 'string' ? 'Must be' : 'Must have';
    const tail = origin === 'string' ? ' long' : '';
    const bound = side === 'min' ? (inclusive ? 'at least' : 'more than') : inclusive ? 'at most' : 'fewer than';
    return `${verb} ${bound} ${String(limit)} ${words}${tail}`;
  }
  const bound = side === 'min' ? (inclusive ? 'at least' : 'greater than') : inclusive ? 'at most' : 'less than';
  return `Must be ${bound} ${String(limit)}`;
}

const FORMATS: Record<string, string> = {
  uri: 'a URI',
  'uri-reference': 'a URI reference',
  url: 'a URL',
  email: 'an email address',
  uuid: 'a UUID',
  date: 'a date (YYYY-MM-DD)',
  time: 'a time (HH:MM:SS)',
  'date-time': 'a date-time (RFC 3339)',
  datetime: 'a date-time (ISO 8601)',
  duration: 'a duration (ISO 8601)',
  ipv4: 'an IPv4 address',
  ipv6: 'an IPv6 address',
  hostname: 'a host name',
  regex: 'a regular expression',
};

/** `Must be a URI`, or `Must be in the format x` for a format without a name here. */
export function formatMessage(format: string): string {
  return FORMATS[format] ? `Must be ${FORMATS[format]}` : `Must be in the format ${format}`;
}

export function capitalize(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/**
 * One ajv error in the house style. `required`, `additionalProperties` and
 * `unevaluatedProperties` name a field below the error's instance path: see schemaErrorPath.
 */
export function schemaErrorMessage(error: ErrorObject): string {
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return 'Required';
    case 'additionalProperties':
    case 'unevaluatedProperties':
      return 'Unknown field';
    case 'type':
      return typeMessage(params.type as string | string[]);
    case 'enum':
      return oneOfMessage(params.allowedValues as unknown[]);
    case 'const':
      return oneOfMessage([params.allowedValue]);
    case 'minimum':
    case 'exclusiveMinimum':
      return boundMessage('min', params.limit as number, error.keyword === 'minimum');
    case 'maximum':
    case 'exclusiveMaximum':
      return boundMessage('max', params.limit as number, error.keyword === 'maximum');
    case 'minLength':
    case 'maxLength':
      return boundMessage(error.keyword === 'minLength' ? 'min' : 'max', params.limit as number, true, 'string');
    case 'minItems':
    case 'maxItems':
      return boundMessage(error.keyword === 'minItems' ? 'min' : 'max', params.limit as number, true, 'array');
    case 'minProperties':
    case 'maxProperties':
      return boundMessage(error.keyword === 'minProperties' ? 'min' : 'max', params.limit as number, true, 'object');
    case 'multipleOf':
      return `Must be a multiple of ${String(params.multipleOf)}`;
    case 'pattern':
      return `Must match the pattern ${String(params.pattern)}`;
    case 'format':
      return formatMessage(String(params.format));
    case 'uniqueItems':
      return `Must not repeat items (items ${String(params.j)} and ${String(params.i)} are equal)`;
    case 'anyOf':
    case 'oneOf':
      return error.keyword === 'oneOf' && Array.isArray(params.passingSchemas)
        ? 'Must match exactly one of the allowed forms; it matches several'
        : 'Must match one of the allowed forms';
    case 'not':
      return 'Must not match the refused form';
    default:
      return capitalize(error.message ?? 'Is not valid');
  }
}

/**
 * Where an ajv error points, as path segments below the value that was checked: the missing or
 * unknown field itself for `required`, `additionalProperties` and `unevaluatedProperties`.
 */
export function schemaErrorPath(error: ErrorObject): string[] {
  const path = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  const params = error.params as Record<string, unknown>;
  const field = error.keyword === 'required' ? params.missingProperty : (params.additionalProperty ?? params.unevaluatedProperty);
  if (typeof field === 'string') path.push(field);
  return path;
}
