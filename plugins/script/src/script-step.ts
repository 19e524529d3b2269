import { constants } from 'node:fs';
import { open, rm, writeFile } from 'node:fs/promises';
import { constants as osConstants } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { defineStep, secret, STEP_OUTPUT_MAX_BYTES, StepError, type StepContext } from '../../sdk/src/index.js';
import { startEgressProxy } from './egress-proxy.js';
import { runScript, type ScriptExit } from './run-script.js';

/** Linux takes at most 128 KiB in one argument (`sh -c <script>`); bigger programs belong in a plugin. */
export const MAX_SCRIPT_BYTES = 100_000;
/** The outputs file, with room left in the step's outputs for `exitCode` and `durationMs`. */
export const MAX_OUTPUTS_BYTES = STEP_OUTPUT_MAX_BYTES - 1024;
/** BSD sysexits' EX_TEMPFAIL: "try again later", the one exit code a retry may help. */
export const EXIT_TEMPFAIL = 75;
/** Between SIGTERM and SIGKILL; the sandbox kills the whole step process 2 s after a cancel. */
const GRACE_MS = 1_000;
const STDERR_TAIL_CHARS = 2_000;
const ONE_DAY_SECONDS = 24 * 60 * 60;

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Set by the step itself: the files it reads and writes, and the way out to the network. */
const RESERVED_ENV = /^(BATON_.*|(HTTPS?|ALL|NO)_PROXY)$/i;
const HOST_PATTERN = /^(\*|(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?|[0-9A-Fa-f:.]+)$/;

const scriptInput = z.strictObject({
  script: z
    .string()
    .min(1)
    .refine((text) => Buffer.byteLength(text) <= MAX_SCRIPT_BYTES, { error: `A script is at most ${MAX_SCRIPT_BYTES} bytes` })
    .refine((text) => !text.includes('\0'), { error: 'A script cannot contain NUL characters' }),
  /** Handed to the script as JSON on its stdin and in the file $BATON_INPUTS. */
  inputs: z.record(z.string(), z.json()).default({}),
  /** Environment variables; each value may be a secret: `TOKEN: ${{ secrets.API_TOKEN }}`. */
  env: z
    .record(
      z
        .string()
        .regex(ENV_NAME, { error: 'Environment variable names are letters, digits and _' })
        .refine((name) => !RESERVED_ENV.test(name), { error: 'BATON_* and the *_PROXY variables are set by the step' }),
      secret(z.string().max(32 * 1024)),
    )
    .default({}),
  timeoutSeconds: z.number().int().min(1).max(ONE_DAY_SECONDS).optional(),
  /** Hosts the script may reach through the step's proxy (`api.example.com`, `*.example.com`, `*`); none by default. */
  egress: z
    .array(z.string().max(253).regex(HOST_PATTERN, { error: 'A host, *.domain or *' }))
    .max(100)
    .default([]),
});
type ScriptInput = z.output<typeof scriptInput>;

const scriptOutput = z.strictObject({
  exitCode: z.number().int(),
  outputs: z.record(z.string(), z.json()),
  durationMs: z.number().int().min(0),
});

export interface ScriptStepSpec {
  id: string;
  title: string;
  description: string;
  /** The interpreter's command line for a script's text. */
  argv: (script: string) => string[];
}

/** A step that runs the tenant's script with an interpreter of the worker: the shared contract of `script/shell` and `script/python`. */
export function defineScriptStep({ id, title, description, argv }: ScriptStepSpec) {
  return defineStep({
    id,
    title,
    description,
    input: scriptInput,
    output: scriptOutput,
    // Any host, as http/request: the pipeline's `egress` narrows it, and the broker still refuses private and metadata addresses.
    egress: ['*'],
    run: (input, ctx) => runScriptStep(argv(input.script), input, ctx),
  });
}

async function runScriptStep(argv: string[], input: ScriptInput, ctx: StepContext): Promise<z.input<typeof scriptOutput>> {
  const workdir = scratchOf(ctx);
  const inputsFile = join(workdir, 'baton-inputs.json');
  const outputsFile = join(workdir, 'baton-outputs.json');
  const inputs = JSON.stringify(input.inputs);
  await writeFile(inputsFile, inputs);
  await rm(outputsFile, { force: true });
  const proxy = await startEgressProxy(ctx, input.egress);
  let exit: ScriptExit;
  try {
    exit = await runScript({
      argv,
      cwd: workdir,
      env: {
        PATH: '/usr/bin:/bin',
        HOME: workdir,
        TMPDIR: workdir,
        LANG: 'C.UTF-8',
        ...input.env,
        BATON_INPUTS: inputsFile,
        BATON_OUTPUTS: outputsFile,
        BATON_RUN_ID: ctx.runId,
        BATON_STEP_ID: ctx.stepId,
        BATON_ATTEMPT: String(ctx.attempt),
        HTTP_PROXY: proxy.url,
        HTTPS_PROXY: proxy.url,
        http_proxy: proxy.url,
        https_proxy: proxy.url,
      },
      stdin: inputs,
      timeoutMs: input.timeoutSeconds === undefined ? undefined : input.timeoutSeconds * 1000,
      signal: ctx.signal,
      graceMs: GRACE_MS,
      onLine: (stream, line) => ctx.log(stream === 'stdout' ? 'info' : 'warn', line),
    });
  } catch (error) {
    throw spawnError(argv[0], error);
  } finally {
    await proxy.close();
  }
  if (exit.stoppedBy === 'cancel') throw new StepError('the script was cancelled', { retryable: false, code: 'cancelled' });
  if (exit.stoppedBy === 'timeout')
    throw new StepError(`the script ran past timeoutSeconds (${input.timeoutSeconds} s) and was stopped`, { code: 'script_timeout' });
  if (exit.exitCode !== 0) throw exitError(exit);
  ctx.log('debug', `the script exited with code 0 after ${exit.durationMs} ms`);
  return { exitCode: 0, outputs: await readOutputs(outputsFile), durationMs: exit.durationMs };
}

/** The step's private, empty, writable folder (the sandbox's `scratch` grant): the script's cwd, HOME and files. */
function scratchOf(ctx: StepContext): string {
  if (ctx.scratch) return ctx.scratch;
  throw new StepError(
    'this worker gives the step no scratch folder, which scripts need (the plugin declares the sandbox grant `scratch`)',
    {
      retryable: false,
      code: 'sandbox_unavailable',
    },
  );
}

function exitError({ exitCode, signal, stderrTail }: ScriptExit): StepError {
  const tail = stderrTail.join('\n').slice(-STDERR_TAIL_CHARS);
  const said = tail ? `; the end of its stderr:\n${tail}` : ', writing nothing to stderr';
  if (exitCode === null) {
    const why = signal === 'SIGXFSZ' ? " (it wrote a file over the sandbox's size cap)" : '';
    return new StepError(`the script was killed by ${signal}${why}${said}`, { retryable: false, code: 'script_killed' });
  }
  if (exitCode === EXIT_TEMPFAIL)
    return new StepError(`the script exited with code ${exitCode} (temporary failure, retried)${said}`, { code: 'script_tempfail' });
  return new StepError(`the script exited with code ${exitCode}${lastCommandKilled(exitCode)}${said}`, {
    retryable: false,
    code: `script_exit_${exitCode}`,
  });
}

/** A shell exits 128 + N when its last command died of signal N: name it, SIGXFSZ above all. */
function lastCommandKilled(exitCode: number): string {
  const name = Object.entries(osConstants.signals).find(([, number]) => number === exitCode - 128)?.[0];
  if (!name) return '';
  return name === 'SIGXFSZ'
    ? " (its last command wrote a file over the sandbox's size cap: SIGXFSZ)"
    : ` (its last command was killed by ${name})`;
}

function spawnError(command: string, error: unknown): unknown {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') return error;
  return new StepError(`${command} is not installed on this worker`, { retryable: false, code: 'interpreter_missing', cause: error });
}

/**
 * Reads the JSON object the script left in $BATON_OUTPUTS; none, or an empty file, is `{}`. Opened
 * without following a symbolic link or blocking on a FIFO the script may have put in its place.
 */
export async function readOutputs(path: string): Promise<Record<string, z.infer<ReturnType<typeof z.json>>>> {
  let file;
  try {
    file = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT') return {};
    if (code === 'ELOOP') throw invalidOutputs('$BATON_OUTPUTS is a symbolic link (ELOOP): write the file itself');
    throw invalidOutputs(`$BATON_OUTPUTS cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  let text: string;
  try {
    const info = await file.stat();
    if (!info.isFile()) throw invalidOutputs('$BATON_OUTPUTS is not a regular file');
    const buffer = Buffer.alloc(MAX_OUTPUTS_BYTES + 1);
    const { bytesRead } = await file.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_OUTPUTS_BYTES)
      throw new StepError(`$BATON_OUTPUTS is over ${MAX_OUTPUTS_BYTES} bytes: pass large data as an artifact or through a service`, {
        retryable: false,
        code: 'outputs_too_large',
      });
    text = buffer.subarray(0, bytesRead).toString('utf8');
  } finally {
    await file.close();
  }
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw invalidOutputs(`$BATON_OUTPUTS is not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    throw invalidOutputs(
      `$BATON_OUTPUTS must hold a JSON object, not ${Array.isArray(value) ? 'an array' : value === null ? 'null' : `a ${typeof value}`}`,
    );
  // A run's outputs are stored as PostgreSQL jsonb, which holds no NUL character.
  if (holdsNul(value)) throw invalidOutputs('$BATON_OUTPUTS holds a NUL character (\\u0000), which a run cannot store');
  return value as Record<string, z.infer<ReturnType<typeof z.json>>>;
}

function holdsNul(value: unknown): boolean {
  if (typeof value === 'string') return value.includes('\0');
  if (typeof value !== 'object' || value === null) return false;
  return Object.entries(value).some(([key, item]) => key.includes('\0') || holdsNul(item));
}

function invalidOutputs(message: string): StepError {
  return new StepError(message, { retryable: false, code: 'outputs_invalid' });
}
