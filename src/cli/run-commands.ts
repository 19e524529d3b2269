import { Command, Option } from 'commander';
import { readFileSync } from 'node:fs';
import ora from 'ora';
import YAML from 'yaml';
import { followEvents, ok, type BatonClient, type StreamedEvent } from '../../client/src/index.js';
import { clientFor, CliError, fetchFor, resolveTarget, type Target } from './cli-context.js';
import { printRows, statusText, OUTPUT_FORMATS, type OutputFormat } from './cli-output.js';

const ENDED = ['succeeded', 'failed', 'cancelled', 'timed_out'];
type Connected = { target: Target; api: BatonClient };
type GlobalOptions = { profile?: string };

/** The client for the target the global options and the environment name. */
export function connect(command: Command): Connected {
  const target = resolveTarget(command.optsWithGlobals<GlobalOptions>());
  return { target, api: clientFor(target) };
}

const outputOption = () => new Option('-o, --output <format>', 'table, json or yaml').choices(OUTPUT_FORMATS).default('table');

/** `k=v` pairs; values read as YAML scalars (`n=3` is a number, `flag=true` a boolean; quote to keep a string: `code="007"`). */
export function parseInputs(pairs: string[], file?: string): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  if (file) {
    const parsed: unknown = YAML.parse(readFileSync(file, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new CliError(`${file} is not a map of inputs`, 'write it as `name: value` lines, YAML or JSON');
    Object.assign(inputs, parsed);
  }
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at < 1) throw new CliError(`--input ${pair} is not name=value`, 'e.g. --input day=2026-12-01');
    inputs[pair.slice(0, at)] = YAML.parse(pair.slice(at + 1)) as unknown;
  }
  return inputs;
}

function printLog(event: StreamedEvent): void {
  const item = typeof event.item === 'number' ? `[${event.item}]` : '';
  const level = typeof event.level === 'string' ? event.level.toUpperCase().padEnd(5) : '';
  process.stdout.write(
    `${event.at} ${level} ${event.stepId ?? '-'}${item}: ${typeof event.message === 'string' ? event.message : JSON.stringify(event.message ?? '')}\n`,
  );
}

/** The run's log lines so far, or with `follow` until the run ends (Server-Sent Events, resumed on a dropped connection). */
async function showLogs({ target, api }: Connected, runId: string, follow: boolean): Promise<void> {
  if (follow)
    return followEvents({
      url: target.url,
      token: target.token,
      path: `/v1/runs/${runId}/logs`,
      onEvent: printLog,
      fetch: fetchFor(target.url),
    });
  let after: number | undefined;
  for (;;) {
    // Typed as JSON or the event stream: asked without `Accept: text/event-stream`, it is the JSON page.
    const page = (await ok(api.GET('/v1/runs/{id}/logs', { params: { path: { id: runId }, query: { after, limit: 1000 } } }))) as {
      items: StreamedEvent[];
      nextCursor: string | null;
    };
    for (const event of page.items) printLog(event);
    if (!page.nextCursor) return;
    after = Number(page.nextCursor);
  }
}

/** Waits for the run to end (a spinner on a terminal), then prints its outputs or error; exits 1 unless it succeeded. */
async function awaitRun({ api }: Connected, runId: string, spin: boolean): Promise<void> {
  const spinner = spin ? ora({ text: `run ${runId}`, stream: process.stderr }).start() : undefined;
  let run = await ok(api.GET('/v1/runs/{id}', { params: { path: { id: runId } } }));
  while (!ENDED.includes(run.status)) {
    if (spinner) spinner.text = `run ${runId}: ${run.status}`;
    await new Promise((resolve) => setTimeout(resolve, 1000));
    run = await ok(api.GET('/v1/runs/{id}', { params: { path: { id: runId } } }));
  }
  spinner?.stop();
  process.stderr.write(`run ${runId} ${statusText(run.status)}\n`);
  if (run.status === 'succeeded') process.stdout.write(YAML.stringify({ outputs: run.outputs ?? {} }));
  else {
    if (run.error) process.stderr.write(`${YAML.stringify({ error: run.error })}`);
    process.exitCode = 1;
  }
}

export function runCommands(): Command[] {
  const run = new Command('run')
    .description('Start a run of a pipeline')
    .argument('<pipeline>', 'the pipeline name')
    .option('-i, --input <name=value>', 'an input (repeatable); the value is read as YAML', (v: string, all: string[]) => [...all, v], [])
    .option('--inputs-file <file>', 'inputs from a YAML or JSON file (--input wins)')
    .option('--pipeline-version <n>', 'run this version of the pipeline, not the latest', (v) => Number(v))
    .option('--wait', 'wait for the run to end; exit 0 if it succeeded, 1 if not, printing its outputs')
    .option('-f, --follow', 'print the log lines as they come, until the run ends (implies --wait)')
    .action(
      async (
        pipeline: string,
        options: { input: string[]; inputsFile?: string; pipelineVersion?: number; wait?: boolean; follow?: boolean },
        command: Command,
      ) => {
        const connected = connect(command);
        const started = await ok(
          connected.api.POST('/v1/pipelines/{name}/runs', {
            params: { path: { name: pipeline } },
            body: { inputs: parseInputs(options.input, options.inputsFile), version: options.pipelineVersion },
          }),
        );
        process.stderr.write(`run ${started.id} of ${started.pipeline} v${started.version} ${started.status}\n`);
        if (options.follow) await showLogs(connected, started.id, true);
        if (options.wait || options.follow) await awaitRun(connected, started.id, !options.follow && process.stderr.isTTY);
        else process.stdout.write(`${started.id}\n`);
      },
    );

  const logs = new Command('logs')
    .description("Print a run's log lines")
    .argument('<run>', 'the run id')
    .option('-f, --follow', 'keep printing until the run ends')
    .action(async (runId: string, options: { follow?: boolean }, command: Command) => showLogs(connect(command), runId, !!options.follow));

  const decide = (approve: boolean) =>
    new Command(approve ? 'approve' : 'reject')
      .description(`${approve ? 'Approve' : 'Reject'} a run's waiting approval step`)
      .argument('<run>', 'the run id')
      .argument('<step>', 'the approval step id')
      .option('-m, --comment <text>', 'why, kept with the decision')
      .action(async (runId: string, stepId: string, options: { comment?: string }, command: Command) => {
        await ok(
          connect(command).api.POST('/v1/runs/{id}/approvals/{stepId}', {
            params: { path: { id: runId, stepId } },
            body: { approve, comment: options.comment },
          }),
        );
        process.stderr.write(`${approve ? 'approved' : 'rejected'} ${stepId} of run ${runId}\n`);
      });

  const cancel = new Command('cancel')
    .description('Cancel a run')
    .argument('<run>', 'the run id')
    .action(async (runId: string, _options: object, command: Command) => {
      const done = await ok(connect(command).api.POST('/v1/runs/{id}/cancel', { params: { path: { id: runId } } }));
      process.stderr.write(`cancel of run ${done.id} requested (${done.status})\n`);
    });

  const retry = new Command('retry')
    .description('Retry a finished run')
    .argument('<run>', 'the run id')
    .option('--from-failed', 'keep the results of the steps that succeeded; run the rest')
    .option('--pipeline-version <n|latest>', 'run on another version of the pipeline (a fixed one): a number or `latest`')
    .option('--wait', 'wait for the new run to end, as `baton run --wait`')
    .action(async (runId: string, options: { fromFailed?: boolean; pipelineVersion?: string; wait?: boolean }, command: Command) => {
      const connected = connect(command);
      const asked = options.pipelineVersion;
      const version = asked === undefined || asked === 'latest' ? asked : Number(asked);
      if (typeof version === 'number' && !Number.isInteger(version))
        throw new CliError(`--pipeline-version ${asked} is not a version`, 'give a number or `latest`');
      const started = await ok(
        connected.api.POST('/v1/runs/{id}/retry', {
          params: { path: { id: runId } },
          body: { fromFailed: !!options.fromFailed, version: version },
        }),
      );
      process.stderr.write(`run ${started.id} retries ${runId} on v${started.version}\n`);
      if (options.wait) await awaitRun(connected, started.id, process.stderr.isTTY);
      else process.stdout.write(`${started.id}\n`);
    });
  return [run, logs, decide(true), decide(false), cancel, retry];
}

export function getCommand(): Command {
  const get = new Command('get').description('List runs, pipelines, schedules or plugins');
  const limit = new Option('--limit <n>', 'how many').default(20).argParser((v) => Number(v));
  get
    .command('runs')
    .description('Runs, newest first')
    .addOption(outputOption())
    .addOption(limit)
    .option('--pipeline <name>', "only this pipeline's runs")
    .option('--status <status>', 'only runs in this state (comma-separated for several)')
    .action(async (options: { output: OutputFormat; limit: number; pipeline?: string; status?: string }, command: Command) => {
      const page = await ok(
        connect(command).api.GET('/v1/runs', {
          params: { query: { limit: options.limit, pipeline: options.pipeline, status: options.status } },
        }),
      );
      printRows(
        page.items,
        [
          { header: 'ID', value: (r) => r.id },
          { header: 'PIPELINE', value: (r) => `${r.pipeline} v${r.version}` },
          { header: 'STATUS', value: (r) => (options.output === 'table' ? statusText(r.status) : r.status) },
          { header: 'TRIGGER', value: (r) => r.trigger },
          { header: 'CREATED', value: (r) => r.createdAt },
          { header: 'ERROR', value: (r) => r.error?.message },
        ],
        options.output,
      );
    });
  get
    .command('pipelines')
    .description('Pipelines')
    .addOption(outputOption())
    .addOption(limit)
    .action(async (options: { output: OutputFormat; limit: number }, command: Command) => {
      const page = await ok(connect(command).api.GET('/v1/pipelines', { params: { query: { limit: options.limit } } }));
      printRows(
        page.items,
        [
          { header: 'NAME', value: (p) => p.name },
          { header: 'VERSION', value: (p) => p.latestVersion },
          { header: 'UPDATED', value: (p) => p.updatedAt },
        ],
        options.output,
      );
    });
  get
    .command('schedules')
    .description('Schedules')
    .addOption(outputOption())
    .addOption(limit)
    .action(async (options: { output: OutputFormat; limit: number }, command: Command) => {
      const page = await ok(connect(command).api.GET('/v1/schedules', { params: { query: { limit: options.limit } } }));
      printRows(
        page.items,
        [
          { header: 'ID', value: (s) => s.id },
          { header: 'PIPELINE', value: (s) => s.pipeline },
          { header: 'WHEN', value: (s) => s.cron ?? `every ${s.every}` },
          { header: 'TIMEZONE', value: (s) => s.timezone },
          { header: 'PAUSED', value: (s) => s.paused },
        ],
        options.output,
      );
    });
  get
    .command('plugins')
    .description('Plugins the tenant can see')
    .addOption(outputOption())
    .action(async (options: { output: OutputFormat }, command: Command) => {
      const plugins = await ok(connect(command).api.GET('/v1/plugins'));
      printRows(
        plugins.items,
        [
          { header: 'NAME', value: (p) => p.name },
          { header: 'LATEST', value: (p) => p.latestVersion },
          { header: 'PUBLISHER', value: (p) => p.publisher },
          { header: 'ENABLED', value: (p) => p.enabled },
        ],
        options.output,
      );
    });
  return get;
}
