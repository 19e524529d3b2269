/**
 * Which step input fields a plugin declares secret: `x-baton-secret: true` in its input schema
 * (the SDK's `secret()` writes it, with `writeOnly`). A `${{ secrets.NAME }}` is resolved only into
 * such a field; anywhere else the value would reach the step as ordinary data, which it may
 * transform, split and print past redaction.
 */
export const SECRET_MARK = 'x-baton-secret';

type Schema = Record<string, unknown>;
const isSchema = (value: unknown): value is Schema => value !== null && typeof value === 'object' && !Array.isArray(value);

/** Whether the field at `path` (keys and array indexes) of an input is declared secret by `schema`. */
export function isSecretField(schema: unknown, path: ReadonlyArray<string | number>): boolean {
  return schemasAt(schema, schema, path, 0).some((s) => s[SECRET_MARK] === true);
}

/** The values of keyword `mark` (`x-baton-expression`) on the schemas that may describe the field at `path`. */
export function fieldMarks(schema: unknown, path: ReadonlyArray<string | number>, mark: string): unknown[] {
  return schemasAt(schema, schema, path, 0).flatMap((s) => (s[mark] === undefined ? [] : [s[mark]]));
}

/** The schemas that may describe the value at `path`, through properties, items, combinators and local `$ref`s. */
function schemasAt(root: unknown, schema: unknown, path: ReadonlyArray<string | number>, depth: number): Schema[] {
  if (!isSchema(schema) || depth > 64) return [];
  const branches: Schema[] = [schema, ...alternatives(root, schema).flatMap((s) => schemasAt(root, s, [], depth + 1))];
  if (path.length === 0) return branches;
  const [segment, ...rest] = path;
  return branches.flatMap((s) => childSchemas(s, segment).flatMap((child) => schemasAt(root, child, rest, depth + 1)));
}

function alternatives(root: unknown, schema: Schema): unknown[] {
  const combined = ['allOf', 'anyOf', 'oneOf'].flatMap((keyword) => (Array.isArray(schema[keyword]) ? (schema[keyword] as unknown[]) : []));
  const ref = typeof schema.$ref === 'string' ? resolveRef(root, schema.$ref) : undefined;
  return ref === undefined ? combined : [...combined, ref];
}

function childSchemas(schema: Schema, segment: string | number): unknown[] {
  if (typeof segment === 'number') {
    const prefix = Array.isArray(schema.prefixItems) ? (schema.prefixItems as unknown[]) : [];
    return segment < prefix.length ? [prefix[segment]] : isSchema(schema.items) ? [schema.items] : [];
  }
  const properties = isSchema(schema.properties) ? schema.properties : {};
  if (Object.hasOwn(properties, segment)) return [properties[segment]];
  return isSchema(schema.additionalProperties) ? [schema.additionalProperties] : [];
}

function resolveRef(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    node = isSchema(node) ? node[key] : undefined;
  }
  return node;
}

/** The secret fields a schema declares, as `a.b`, `headers.*` (any key), `list[]` or `pair[1]`, for messages. */
export function secretFieldNames(schema: unknown, prefix = '', depth = 0, root: unknown = schema): string[] {
  if (!isSchema(schema) || depth > 8) return [];
  const own = schema[SECRET_MARK] === true && prefix ? [prefix] : [];
  const join = (name: string) => (prefix ? `${prefix}.${name}` : name);
  const below = (child: unknown, at: string) => secretFieldNames(child, at, depth + 1, root);
  const nested = [
    ...Object.entries(isSchema(schema.properties) ? schema.properties : {}).flatMap(([name, child]) => below(child, join(name))),
    ...below(schema.additionalProperties, join('*')),
    ...below(schema.items, `${prefix}[]`),
    ...(Array.isArray(schema.prefixItems) ? (schema.prefixItems as unknown[]) : []).flatMap((child, index) =>
      below(child, `${prefix}[${index}]`),
    ),
    ...alternatives(root, schema).flatMap((alternative) => below(alternative, prefix)),
  ];
  return [...new Set([...own, ...nested])];
}
