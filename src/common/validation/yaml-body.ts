import { isMap, isScalar, isSeq, LineCounter, parseDocument, Scalar, type Document, type Node } from 'yaml';

/** Where a YAML body came from: kept on the parsed value (not enumerable) so problems can name lines. */
const YAML_SOURCE = Symbol('baton.yamlSource');

interface YamlSource {
  text: string;
  document: Document.Parsed;
  lines: LineCounter;
}

export interface TextPosition {
  /** 1-based. */
  line: number;
  /** 1-based. */
  column: number;
}

/** A YAML request body as JSON data, as YAML.parse gives it; objects remember their source for yamlLocator. */
export function parseYamlBody(text: string): unknown {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: true });
  // The first error, as YAML.parse throws it.
  if (document.errors.length) throw document.errors[0];
  const value: unknown = document.toJS({ maxAliasCount: 100 });
  if (value !== null && typeof value === 'object')
    Object.defineProperty(value, YAML_SOURCE, { value: { text, document, lines } satisfies YamlSource, enumerable: false });
  return value;
}

/** The text a body parsed by parseYamlBody was written as; undefined for bodies that were not YAML. */
export function yamlSourceText(body: unknown): string | undefined {
  return body !== null && typeof body === 'object' ? (body as Record<symbol, YamlSource | undefined>)[YAML_SOURCE]?.text : undefined;
}

/**
 * For a body parsed by parseYamlBody: the line and column of the node a problem path
 * (`steps.publish.needs[1]`) points to, or of the nearest node above it that exists. With
 * `position` (a 1-based character of the string there), of that character where the scalar is
 * written on one line. Undefined for bodies that were not YAML.
 */
export function yamlLocator(body: unknown): ((path: string, position?: number) => TextPosition | undefined) | undefined {
  const source = body !== null && typeof body === 'object' ? (body as Record<symbol, YamlSource | undefined>)[YAML_SOURCE] : undefined;
  if (!source) return undefined;
  return (path, position) => locate(source, path, position);
}

function locate({ text, document, lines }: YamlSource, path: string, position?: number): TextPosition | undefined {
  let node: unknown = document.contents;
  let key: unknown;
  let rest = path.startsWith('(') ? '' : path;
  while (rest) {
    if (isMap(node)) {
      let found: { key: unknown; value: unknown; name: string } | undefined;
      for (const pair of node.items) {
        const name = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
        const matches = rest === name || rest.startsWith(`${name}.`) || rest.startsWith(`${name}[`);
        if (matches && (!found || name.length > found.name.length)) found = { key: pair.key, value: pair.value, name };
      }
      if (!found) break;
      rest = rest.slice(found.name.length).replace(/^\./, '');
      [key, node] = [found.key, found.value];
    } else if (isSeq(node)) {
      const index = /^\[(\d+)\]\.?/.exec(rest);
      const item: unknown = index ? node.items[Number(index[1])] : undefined;
      if (!index || item === undefined) break;
      rest = rest.slice(index[0].length);
      [key, node] = [undefined, item];
    } else break;
  }
  const found = rest === '';
  // A scalar is pointed at itself (at its character, if one is given); a map or list, or a field that is missing, at its key.
  const target = found && isScalar(node) ? node : (key ?? node);
  const start = (target as Node | undefined)?.range?.[0];
  if (start === undefined) return undefined;
  const offset = found && position !== undefined && isScalar(node) ? characterOffset(text, node, position) : 0;
  const { line, col } = lines.linePos(start + offset);
  return { line, column: col };
}

/** How far into its source `position` (1-based, in the value) is, for a scalar written on one line without escapes; else 0. */
function characterOffset(text: string, scalar: Scalar, position: number): number {
  if (typeof scalar.value !== 'string' || !scalar.range) return 0;
  const raw = text.slice(scalar.range[0], scalar.range[1]);
  const quote = scalar.type === Scalar.QUOTE_DOUBLE || scalar.type === Scalar.QUOTE_SINGLE ? 1 : 0;
  if (scalar.type !== Scalar.PLAIN && !quote) return 0;
  const before = scalar.value.slice(0, position - 1);
  return raw.slice(quote, quote + before.length) === before && !before.includes('\n') ? quote + position - 1 : 0;
}
