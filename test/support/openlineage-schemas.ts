import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

/** The spec's schemas, vendored (test/fixtures/openlineage/README.md says from where). */
const FIXTURES = new URL('../fixtures/openlineage/', import.meta.url);
const SPEC = 'https://openlineage.io/spec/2-0-2/OpenLineage.json';
/** The standard facets Baton sends, by the key the spec gives them, and the schema each must name. */
const STANDARD_FACETS: Record<string, string> = {
  parent: 'ParentRunFacet',
  jobType: 'JobTypeJobFacet',
  errorMessage: 'ErrorMessageRunFacet',
};
/** A custom facet's key is prefixed (`<prefix>_<name>`), so that it never takes a standard facet's key. */
const CUSTOM_FACET_KEY = /^[a-z][a-zA-Z0-9]*_[a-zA-Z0-9_]+$/;

type Facets = Record<string, { _schemaURL?: unknown } & Record<string, unknown>>;
interface EventShape {
  run?: { facets?: Facets };
  job?: { facets?: Facets };
  inputs?: Array<{ facets?: Facets; inputFacets?: Facets }>;
  outputs?: Array<{ facets?: Facets; outputFacets?: Facets }>;
}

/**
 * Checks OpenLineage events as a lineage server would: the event against the 2-0-2 spec, and each
 * facet against the schema its `_schemaURL` names (the vendored standard facets, and `extraSchemas`
 * for custom ones). Answers the problems found, none for a valid event.
 */
export function openLineageValidator(extraSchemas: object[] = []): (event: unknown) => string[] {
  const ajv = new Ajv2020({ allErrors: true, strict: false, logger: false });
  addFormats.default(ajv);
  for (const file of ['OpenLineage.json', ...Object.values(STANDARD_FACETS).map((name) => `${name}.json`)])
    ajv.addSchema(JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as object);
  for (const schema of extraSchemas) ajv.addSchema(schema);
  const spec = ajv.getSchema(SPEC)!;
  const runEvent = ajv.getSchema(`${SPEC}#/$defs/RunEvent`)!;

  return (event) => {
    const problems: string[] = [];
    const report = (where: string, errors: typeof spec.errors) =>
      problems.push(...(errors ?? []).map((e) => `${where}${e.instancePath} ${e.message} (${e.schemaPath})`));
    if (!spec(event)) report('event', spec.errors);
    if (!runEvent(event)) report('run event', runEvent.errors);
    const { run, job, inputs = [], outputs = [] } = event as EventShape;
    const facetSets: Array<[string, Facets | undefined]> = [
      ['run', run?.facets],
      ['job', job?.facets],
      ...inputs.flatMap((d, i): Array<[string, Facets | undefined]> => [
        [`inputs/${i}`, d.facets],
        [`inputs/${i}/inputFacets`, d.inputFacets],
      ]),
      ...outputs.flatMap((d, i): Array<[string, Facets | undefined]> => [
        [`outputs/${i}`, d.facets],
        [`outputs/${i}/outputFacets`, d.outputFacets],
      ]),
    ];
    for (const [where, facets] of facetSets) {
      for (const [key, facet] of Object.entries(facets ?? {})) {
        const url = String(facet._schemaURL);
        const standard = STANDARD_FACETS[key];
        if (standard && !new RegExp(`^https://openlineage\\.io/spec/facets/[0-9-]+/${standard}\\.json#/\\$defs/${standard}$`).test(url))
          problems.push(`${where} facet ${key}: the standard facet's _schemaURL ${url} is not the spec's ${standard}`);
        if (!standard && !CUSTOM_FACET_KEY.test(key)) problems.push(`${where} facet ${key}: a custom facet needs a prefixed key`);
        const schema = ajv.getSchema(url);
        if (!schema) problems.push(`${where} facet ${key}: no schema known at ${url}`);
        else if (!schema(facet)) report(`${where} facet ${key}`, schema.errors);
      }
    }
    return problems;
  };
}
