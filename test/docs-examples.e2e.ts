/**
 * Every YAML and JSON example in the docs is checked, so that the docs cannot drift from the code.
 *
 * The blocks are the fenced ```yaml, ```yml and ```json blocks of README.md and docs/*.md, plus the
 * YAML a ```bash or ```sh block sends as a here-document (`<<'YAML'` … `YAML`, as the README's
 * curl example does). What a block must be is decided by its info string, the words after the
 * language:
 *
 * - no word: a block that holds a pipeline definition (an object with `apiVersion: baton/v1`,
 *   `kind: Pipeline`, or `steps` mapping step ids to steps; a plugin manifest's list of steps is not
 *   one) is posted to `POST /v1/pipelines/validate` as a new tenant would (YAML as
 *   `application/yaml`, JSON as JSON) and must come back `valid: true`. Any other block must parse,
 *   and that is all.
 * - `invalid` (```yaml invalid): a pipeline shown to explain an error. It must parse, and the
 *   validator must refuse it with `422`, so the explanation stays true.
 * - `example-response` (```json example-response): an answer of the API shown for its shape. It
 *   must parse; it is never posted, even when it has `steps` (a run has a list of them).
 * - `fragment` (```yaml fragment): a piece of something larger (a Kubernetes manifest, part of a
 *   step). It must parse.
 *
 * Any other word fails the test, so a typo cannot silently turn a check off.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import YAML from 'yaml';
import { newTenant, type TestTenant } from './support/builders.js';

const ROOT = new URL('../', import.meta.url);
const FILES = [
  'README.md',
  ...readdirSync(new URL('docs/', ROOT))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];
const MARKS = new Set(['invalid', 'example-response', 'fragment']);

interface Block {
  /** `docs/pipelines.md:120 yaml`, for the test's name. */
  where: string;
  language: 'yaml' | 'json';
  marks: string[];
  text: string;
}

function blocksOf(file: string): Block[] {
  const lines = readFileSync(new URL(file, ROOT), 'utf8').split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)(```+)\s*([\w-]+)?(.*)$/.exec(lines[i]);
    if (!open) continue;
    const [, indent, fence, info = '', rest] = open;
    const start = i;
    const body: string[] = [];
    for (i++; i < lines.length && !lines[i].trimStart().startsWith(fence); i++) body.push(lines[i].slice(indent.length));
    const language = info.toLowerCase();
    const marks = rest.trim().split(/\s+/).filter(Boolean);
    if (language === 'yaml' || language === 'yml' || language === 'json') {
      blocks.push({
        where: `${file}:${start + 1} ${language}`,
        language: language === 'json' ? 'json' : 'yaml',
        marks,
        text: body.join('\n'),
      });
    } else if (language === 'bash' || language === 'sh') {
      // Here-documents of YAML inside shell examples: `<<'YAML'` up to a line `YAML`.
      for (let j = 0; j < body.length; j++) {
        if (!/<<-?\s*'?YAML'?\s*$/.test(body[j])) continue;
        const end = body.indexOf('YAML', j + 1);
        if (end < 0) throw new Error(`${file}:${start + j + 2}: here-document not closed by YAML`);
        blocks.push({ where: `${file}:${start + j + 2} heredoc`, language: 'yaml', marks: [], text: body.slice(j + 1, end).join('\n') });
        j = end;
      }
    }
  }
  return blocks;
}

const BLOCKS = FILES.flatMap(blocksOf);

/** A block's documents (a YAML block may hold several, separated by `---`), each with its own text. */
function documentsOf(block: Block): Array<{ value: unknown; text: string }> {
  if (block.language === 'json') return [{ value: JSON.parse(block.text), text: block.text }];
  return YAML.parseAllDocuments(block.text).map((document) => {
    if (document.errors.length) throw document.errors[0];
    return { value: document.toJS(), text: block.text.slice(document.range[0], document.range[1]) };
  });
}
const isObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);
const isPipeline = (value: unknown): boolean =>
  isObject(value) && (value.apiVersion === 'baton/v1' || value.kind === 'Pipeline' || isObject(value.steps));

describe('docs examples', () => {
  let tenant: TestTenant;
  beforeAll(async () => {
    tenant = await newTenant();
  });

  const validate = (block: Block, document: { value: unknown; text: string }) =>
    block.language === 'yaml'
      ? tenant.post('/v1/pipelines/validate').set('content-type', 'application/yaml').send(document.text)
      : tenant.post('/v1/pipelines/validate', document.value);

  it.each(BLOCKS.map((block) => [block.where, block] as const))('%s', async (_where, block) => {
    expect(
      block.marks.filter((mark) => !MARKS.has(mark)),
      'unknown marks in the info string',
    ).toEqual([]);
    const documents = documentsOf(block);
    expect(documents.length, 'an empty block').toBeGreaterThan(0);
    for (const document of documents) {
      expect(document.value, 'an empty document').not.toBeUndefined();
      if (block.marks.includes('example-response') || block.marks.includes('fragment')) continue;
      if (block.marks.includes('invalid')) {
        expect(isPipeline(document.value), '`invalid` marks a pipeline definition the validator refuses').toBe(true);
        const response = await validate(block, document);
        expect(response.status, JSON.stringify(response.body)).toBe(422);
        continue;
      }
      if (!isPipeline(document.value)) continue;
      const response = await validate(block, document);
      expect(response.status, JSON.stringify(response.body)).toBe(200);
      expect(response.body.valid).toBe(true);
    }
  });

  it('finds the examples (not vacuous)', () => {
    const pipelines = BLOCKS.filter(
      (block) => !block.marks.includes('example-response') && documentsOf(block).some((document) => isPipeline(document.value)),
    );
    expect(pipelines.length).toBeGreaterThanOrEqual(10);
    expect(BLOCKS.some((block) => block.where.startsWith('README.md'))).toBe(true);
  });
});
