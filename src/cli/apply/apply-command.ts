import { Command } from 'commander';
import pc from 'picocolors';
import { BatonApiError, ok, yamlBody, type BatonClient, type paths } from '../../../client/src/index.js';
import { CliError } from '../cli-context.js';
import { connect } from '../run-commands.js';
import { formatProblem, ManifestProblems, readManifests, type Manifest, type ManifestProblem } from './manifests.js';
import { channelKind as notificationChannelKind } from './channel-kind.js';
import { withDeclarations } from './declarations.js';
import { allPages, applyNamed, describeNamed, planNamed, type NamedKind, type ObjectChange } from './named-objects.js';
import { scheduleKind } from './schedule-kind.js';
import { triggerKind } from './trigger-kind.js';

type ChangePlan = paths['/v1/pipelines/{name}/plan']['post']['responses'][200]['content']['application/json'];
/** With `--env`: the release tag to move, and the version it points to now (null: not set yet). */
type TagMove = { tag: string; from: number | null };
type Planned = { manifest: Manifest; plan: ChangePlan; tag?: TagMove } | { deleted: string };

/** The version a planned pipeline will be at once applied (a new one is the next number). */
const targetVersion = (plan: ChangePlan) => (plan.action === 'unchanged' ? plan.currentVersion! : (plan.currentVersion ?? 0) + 1);
const tagMoves = (entry: Planned) => 'plan' in entry && !!entry.tag && entry.tag.from !== targetVersion(entry.plan);
const isChange = (entry: Planned) => 'deleted' in entry || entry.plan.action !== 'unchanged' || tagMoves(entry);

/** The problems of a refused definition, at the lines of the file they are on. */
function problemsOf(manifest: Manifest, error: BatonApiError): ManifestProblem[] {
  if (!error.errors.length) return [{ file: manifest.file, line: manifest.line, message: error.message }];
  return error.errors.map((problem) => ({
    file: manifest.file,
    line: problem.line ? manifest.sourceLine + problem.line - 1 : manifest.line,
    path: problem.path,
    message: problem.message,
  }));
}

/** The named kinds besides pipelines, in the order they are applied (after the pipelines they start). */
const NAMED_KINDS: NamedKind[] = [notificationChannelKind, scheduleKind, triggerKind];

/** Every document planned against the server (the API checks each); the first refusal stops nothing: all problems are shown at once. */
async function planAll(
  api: BatonClient,
  manifests: Manifest[],
  prune: boolean,
  env?: string,
): Promise<{ planned: Planned[]; objects: ObjectChange[] }> {
  const planned: Planned[] = [];
  const objects: ObjectChange[] = [];
  const problems: ManifestProblem[] = [];
  for (const kind of NAMED_KINDS) {
    const plan = await planNamed(api, kind, manifests, prune);
    objects.push(...plan.changes);
    problems.push(...plan.problems);
  }
  for (const manifest of manifests.filter((m) => m.kind === 'Pipeline')) {
    try {
      const plan = await ok(
        api.POST('/v1/pipelines/{name}/plan', { params: { path: { name: manifest.name } }, ...yamlBody(manifest.source) }),
      );
      planned.push({ manifest, plan, tag: env ? { tag: env, from: await taggedVersion(api, plan, env) } : undefined });
    } catch (error) {
      if (!(error instanceof BatonApiError) || error.status !== 422) throw error;
      problems.push(...problemsOf(manifest, error));
    }
  }
  if (problems.length) throw new ManifestProblems(problems);
  if (prune) {
    const kept = new Set(manifests.filter((m) => m.kind === 'Pipeline').map((m) => m.name));
    const pipelines = await allPages((cursor) => ok(api.GET('/v1/pipelines', { params: { query: { limit: 100, cursor } } })));
    for (const { name } of pipelines) if (!kept.has(name)) planned.push({ deleted: name });
  }
  return { planned, objects };
}

async function taggedVersion(api: BatonClient, plan: ChangePlan, tag: string): Promise<number | null> {
  if (plan.action === 'create') return null;
  const tags = await ok(api.GET('/v1/pipelines/{name}/tags', { params: { path: { name: plan.name } } }));
  return tags.items.find((t) => t.tag === tag)?.version ?? null;
}

const shown = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));

/** The plan as a person reviews it: per pipeline what happens, its step diff, and what it touches; then each named object. */
export function describePlan(planned: Planned[], objects: ObjectChange[] = []): string {
  const lines: string[] = [];
  for (const entry of planned) {
    if ('deleted' in entry) {
      lines.push(pc.red(`- pipeline ${entry.deleted} (delete)`));
      continue;
    }
    const { plan } = entry;
    const tag =
      entry.tag && tagMoves(entry) ? `    tag ${entry.tag.tag}: ${entry.tag.from ?? '(none)'} → ${targetVersion(plan)}` : undefined;
    if (plan.action === 'unchanged') {
      lines.push(pc.dim(`= pipeline ${plan.name} (unchanged, version ${plan.currentVersion})`));
      if (tag) lines.push(pc.cyan(tag));
      continue;
    }
    lines.push(
      plan.action === 'create'
        ? pc.green(`+ pipeline ${plan.name} (new)`)
        : pc.yellow(`~ pipeline ${plan.name} (version ${plan.currentVersion} → ${plan.currentVersion! + 1})`),
    );
    if (tag) lines.push(pc.cyan(tag));
    for (const field of plan.fields) lines.push(`    ${field.path}: ${shown(field.before)} → ${shown(field.after)}`);
    for (const step of plan.steps) {
      const mark = { added: pc.green('+'), removed: pc.red('-'), changed: pc.yellow('~') }[step.change];
      lines.push(`    ${mark} step ${step.id}`);
      for (const field of step.fields) lines.push(`        ${field.path}: ${shown(field.before)} → ${shown(field.after)}`);
    }
    for (const schedule of plan.schedules)
      lines.push(`    schedule ${schedule.id} (${schedule.cron ?? `every ${schedule.every}`}) will start the new version`);
    for (const trigger of plan.triggers) lines.push(`    trigger ${trigger.id} (${trigger.type}) will use the new version`);
    for (const { version, runs } of plan.runsInFlight) lines.push(`    ${runs} run(s) in flight keep version ${version}`);
    for (const more of plan.newPermissions) {
      const reach = [
        ...more.egress.map((h) => `egress ${h}`),
        ...more.network.map((n) => `network ${n}`),
        ...more.secrets.map((s) => `secret ${s}`),
      ];
      lines.push(pc.magenta(`    newly needs ${more.plugin}@${more.version}: ${reach.join(', ')}`));
    }
  }
  lines.push(...describeNamed(objects));
  const count = (test: (p: Planned) => boolean) => planned.filter(test).length;
  const action = (name: string) => (p: Planned) => 'plan' in p && p.plan.action === name;
  const named = (...actions: ObjectChange['action'][]) => objects.filter((c) => actions.includes(c.action)).length;
  lines.push(
    `Plan: ${count(action('create')) + named('create')} to create, ${count(action('update')) + named('update', 'replace')} to update, ${count(action('unchanged')) + named('unchanged')} unchanged, ${count((p) => 'deleted' in p) + named('delete')} to delete.`,
  );
  return `${lines.join('\n')}\n`;
}

export function applyCommand(): Command {
  return new Command('apply')
    .description(
      'Make the server match a folder of YAML documents (kind: Pipeline, Schedule, Trigger, NotificationChannel): print the plan, then apply it',
    )
    .argument('<paths...>', 'folders (walked for .yaml/.yml) and files')
    .option('--dry-run', 'print the plan and change nothing')
    .option('--exit-code', 'with --dry-run: exit 2 when the server differs from the files (drift), 0 when it matches')
    .option('--prune', 'also delete the pipelines, and the named schedules, triggers and channels, the files no longer define')
    .option('--cascade', 'with --prune: delete the schedules and triggers of a pruned pipeline with it')
    .option('--env <tag>', 'move this release tag of every pipeline applied (`staging`, `prod`) to the version applied')
    .action(
      async (
        paths: string[],
        options: { dryRun?: boolean; exitCode?: boolean; prune?: boolean; cascade?: boolean; env?: string },
        command: Command,
      ) => {
        if (options.exitCode && !options.dryRun) throw new CliError('--exit-code goes with --dry-run', 'add --dry-run');
        const { api } = connect(command);
        let planned: Planned[];
        let objects: ObjectChange[];
        try {
          ({ planned, objects } = await planAll(api, withDeclarations(readManifests(paths)), !!options.prune, options.env));
        } catch (error) {
          if (!(error instanceof ManifestProblems)) throw error;
          process.stderr.write(`${error.problems.map(formatProblem).join('\n')}\n`);
          throw new CliError(`${error.problems.length} problem(s): nothing was applied`, 'fix the lines above');
        }
        process.stdout.write(describePlan(planned, objects));
        const changes = planned.filter(isChange);
        const objectChanges = objects.filter((c) => c.action !== 'unchanged');
        if (options.dryRun) {
          if (options.exitCode && (changes.length || objectChanges.length)) process.exitCode = 2;
          return;
        }
        let refused = 0;
        const attempt = async (what: string, change: () => Promise<void>) => {
          try {
            await change();
          } catch (error) {
            if (!(error instanceof BatonApiError)) throw error;
            refused++;
            process.stderr.write(`error: ${what}: ${error.message}\n`);
          }
        };
        // Pipelines first (a schedule or trigger starts one), then the named objects, then the pruned pipelines: a schedule goes before the pipeline it starts.
        const deletes = changes.filter((entry) => 'deleted' in entry);
        for (const entry of changes.filter((e) => !('deleted' in e))) {
          if ('deleted' in entry) continue;
          await attempt(`pipeline ${entry.manifest.name}`, async () => {
            const name = entry.manifest.name;
            let version = entry.plan.currentVersion!;
            if (entry.plan.action !== 'unchanged') {
              version = (await ok(api.PUT('/v1/pipelines/{name}', { params: { path: { name } }, ...yamlBody(entry.manifest.source) })))
                .version;
              process.stdout.write(`applied pipeline ${name} version ${version}\n`);
            }
            if (entry.tag && entry.tag.from !== version) {
              await ok(api.PUT('/v1/pipelines/{name}/tags/{tag}', { params: { path: { name, tag: entry.tag.tag } }, body: { version } }));
              process.stdout.write(`moved tag ${entry.tag.tag} of ${name} to version ${version}\n`);
            }
          });
        }
        for (const change of objectChanges)
          await attempt(`${change.kind.noun} ${change.name}`, async () => {
            const done = await applyNamed(api, change);
            if (done) process.stdout.write(`${done}\n`);
          });
        for (const entry of deletes) {
          if (!('deleted' in entry)) continue;
          await attempt(`pipeline ${entry.deleted}`, async () => {
            await ok(
              api.DELETE('/v1/pipelines/{name}', {
                params: { path: { name: entry.deleted }, query: { cascade: options.cascade ? 'true' : 'false' } },
              }),
            );
            process.stdout.write(`deleted pipeline ${entry.deleted}\n`);
          });
        }
        if (refused) throw new CliError(`${refused} change(s) refused; the others were applied`, 'see the errors above');
      },
    );
}
