import YAML, { isMap, isScalar, type Pair } from 'yaml';
import { ManifestProblems, type Manifest, type ManifestProblem } from './manifests.js';

/** The blocks of a pipeline document that declare its schedules and triggers, and the kind each entry becomes. */
const DECLARED = { schedules: 'Schedule', triggers: 'Trigger' } as const;

/**
 * A pipeline's document may declare the schedules and triggers that start it:
 *
 *     schedules:
 *       nightly: { cron: "0 2 * * *", tag: prod }
 *     triggers:
 *       on-upload: { type: webhook }
 *
 * Each entry becomes a named document of its kind, `<pipeline>-<key>` (`hello-nightly`), starting
 * the pipeline (`name@tag` with `tag`), planned and pruned like one written on its own. The pipeline
 * is sent without the two blocks (they are not part of its versions), its other lines where they
 * were: a problem the API finds is still reported at the file's line.
 */
export function withDeclarations(manifests: Manifest[]): Manifest[] {
  const out: Manifest[] = [];
  const problems: ManifestProblem[] = [];
  for (const manifest of manifests) {
    if (manifest.kind !== 'Pipeline' || !Object.keys(DECLARED).some((block) => block in manifest.value)) {
      out.push(manifest);
      continue;
    }
    const declared = declarationsOf(manifest, problems);
    out.push({ ...manifest, ...withoutBlocks(manifest) }, ...declared);
  }
  for (const manifest of out) {
    const twin = out.find((other) => other !== manifest && other.kind === manifest.kind && other.name === manifest.name);
    if (twin && out.indexOf(twin) < out.indexOf(manifest))
      problems.push({
        file: manifest.file,
        line: manifest.line,
        path: 'name',
        message: `${manifest.kind} ${manifest.name} is also defined at ${twin.file}:${twin.line}`,
      });
  }
  if (problems.length) throw new ManifestProblems(problems);
  return out;
}

function declarationsOf(pipeline: Manifest, problems: ManifestProblem[]): Manifest[] {
  const declared: Manifest[] = [];
  for (const [block, kind] of Object.entries(DECLARED)) {
    const entries = pipeline.value[block];
    if (entries === undefined) continue;
    const at = (path: string, message: string) => problems.push({ file: pipeline.file, line: pipeline.line, path, message });
    if (!entries || typeof entries !== 'object' || Array.isArray(entries)) {
      at(block, `a map of ${block}, each under a key of its own`);
      continue;
    }
    for (const [key, entry] of Object.entries(entries as Record<string, unknown>)) {
      if (!/^[a-z0-9-]{1,40}$/.test(key)) at(`${block}.${key}`, 'the key must match [a-z0-9-]{1,40}');
      else if (!entry || typeof entry !== 'object' || Array.isArray(entry)) at(`${block}.${key}`, 'must be a map');
      else if ('pipeline' in entry || 'name' in entry)
        at(`${block}.${key}`, `starts this pipeline and is named ${pipeline.name}-${key}: give \`tag\` to start a release tag`);
      else {
        const { tag, ...fields } = entry as Record<string, unknown>;
        const target = typeof tag === 'string' ? `${pipeline.name}@${tag}` : pipeline.name;
        const name = `${pipeline.name}-${key}`;
        const value = { apiVersion: pipeline.value.apiVersion, kind, name, pipeline: target, ...fields };
        declared.push({ ...pipeline, kind, name, value, source: YAML.stringify(value) });
      }
    }
  }
  return declared;
}

/** The pipeline's source without the declaring blocks; their lines are left empty, so every other line keeps its number. */
function withoutBlocks(manifest: Manifest): Pick<Manifest, 'source' | 'value'> {
  const document = YAML.parseDocument(manifest.source);
  const lines = manifest.source.split('\n');
  const lineOf = (offset: number) => manifest.source.slice(0, offset).split('\n').length - 1;
  if (isMap(document.contents)) {
    const pairs = document.contents.items as Pair[];
    for (const pair of pairs) {
      if (!isScalar(pair.key) || !(String(pair.key.value) in DECLARED)) continue;
      const first = lineOf(pair.key.range![0]);
      const end = (pair.value as { range?: [number, number, number] } | null)?.range?.[1];
      const last = end === undefined ? first : lineOf(end - 1);
      for (let line = first; line <= last; line++) lines[line] = '';
    }
  }
  const { schedules: _schedules, triggers: _triggers, ...value } = manifest.value;
  return { source: lines.join('\n'), value };
}
