import { describe, expect, it } from 'vitest';
import { withDeclarations } from './declarations.js';
import { ManifestProblems, type Manifest } from './manifests.js';
import YAML from 'yaml';

const SOURCE = `# hello, kept in Git
apiVersion: baton/v1
kind: Pipeline
name: hello
schedules:
  # the night run
  nightly: { cron: "0 2 * * *", tag: prod }
triggers: { upload: { type: webhook } }
steps:
  greet: { uses: core/log@^1 }
`;

function manifest(source: string, kind: Manifest['kind'] = 'Pipeline'): Manifest {
  const value = YAML.parse(source) as Record<string, unknown>;
  return { kind, name: String(value.name), file: 'hello.yaml', line: 2, source, value, sourceLine: 1 };
}

describe(withDeclarations.name, () => {
  it('turns the declared schedules and triggers into named documents starting the pipeline, and sends the pipeline without them, every other line in place', () => {
    const [pipeline, schedule, trigger] = withDeclarations([manifest(SOURCE)]);

    expect(pipeline.value).toEqual({ apiVersion: 'baton/v1', kind: 'Pipeline', name: 'hello', steps: { greet: { uses: 'core/log@^1' } } });
    const lines = pipeline.source.split('\n');
    expect(lines).toHaveLength(SOURCE.split('\n').length);
    expect(lines.slice(4, 8)).toEqual(['', '', '', '']);
    expect(lines[0]).toBe('# hello, kept in Git');
    expect(lines[9]).toBe('  greet: { uses: core/log@^1 }');
    expect(YAML.parse(pipeline.source)).toEqual(pipeline.value);

    expect(schedule).toMatchObject({ kind: 'Schedule', name: 'hello-nightly', value: { pipeline: 'hello@prod', cron: '0 2 * * *' } });
    expect(schedule.value).not.toHaveProperty('tag');
    expect(trigger).toMatchObject({ kind: 'Trigger', name: 'hello-upload', value: { pipeline: 'hello', type: 'webhook' } });
  });

  it('leaves documents without declarations as they are', () => {
    const plain = manifest('apiVersion: baton/v1\nkind: Pipeline\nname: plain\nsteps: {}\n');
    expect(withDeclarations([plain])).toEqual([plain]);
  });

  it('refuses a declaration naming another pipeline, a bad key, and a name a document of the folder already has', () => {
    const other = manifest('apiVersion: baton/v1\nkind: Schedule\nname: hello-nightly\npipeline: hello\nevery: 1h\n', 'Schedule');
    const wrong = manifest(SOURCE.replace('tag: prod', 'pipeline: other').replace('upload:', 'Upload:'));
    const problems = (() => {
      try {
        withDeclarations([other, wrong]);
      } catch (error) {
        return (error as ManifestProblems).problems;
      }
    })();
    expect(problems?.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'schedules.nightly: starts this pipeline and is named hello-nightly: give `tag` to start a release tag',
      'triggers.Upload: the key must match [a-z0-9-]{1,40}',
    ]);
    const clash = (() => {
      try {
        withDeclarations([other, manifest(SOURCE)]);
      } catch (error) {
        return (error as ManifestProblems).problems;
      }
    })();
    expect(clash).toEqual([expect.objectContaining({ path: 'name', message: 'Schedule hello-nightly is also defined at hello.yaml:2' })]);
  });
});
