import { Command } from 'commander';
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { BatonApiError, ok } from '../../client/src/index.js';
import { CliError, fetchFor } from './cli-context.js';
import { OUTPUT_FORMATS, printRows, type OutputFormat } from './cli-output.js';
import { connect } from './run-commands.js';

/** `baton artifacts <run>` lists what the run's steps stored; `baton artifacts <run> get <name>` downloads one. */
export function artifactsCommand(): Command {
  return new Command('artifacts')
    .description("List a run's artifacts, or download one: baton artifacts <run> get <name> [-f file]")
    .argument('<run>', 'the run id')
    .argument('[get]', '`get` to download')
    .argument('[name]', 'the artifact to download (as listed)')
    .option('-f, --file <path>', 'with get: write it here instead of to standard output')
    .option('-o, --output <format>', `the list as ${OUTPUT_FORMATS.join(', ')}`, 'table')
    .action(
      async (
        runId: string,
        get: string | undefined,
        name: string | undefined,
        options: { file?: string; output: OutputFormat },
        command: Command,
      ) => {
        const { target, api } = connect(command);
        if (!get) {
          const list = await ok(api.GET('/v1/runs/{id}/artifacts', { params: { path: { id: runId } } }));
          printRows(
            list.items,
            [
              { header: 'NAME', value: (a) => a.name },
              { header: 'STEP', value: (a) => a.step },
              { header: 'BYTES', value: (a) => a.bytes },
              { header: 'TYPE', value: (a) => a.contentType },
              { header: 'SHA256', value: (a) => (a.replacedBy ? `(replaced by run ${a.replacedBy})` : a.sha256.slice(0, 16)) },
            ],
            options.output,
          );
          return;
        }
        if (get !== 'get' || !name)
          throw new CliError(
            `baton artifacts ${runId} ${get} ${name ?? ''}`.trim() + ' is not a command',
            'list with `baton artifacts <run>`, download with `baton artifacts <run> get <name>`',
          );
        // Streamed, not buffered: an artifact may be tens of megabytes.
        const response = await fetchFor(target.url)(
          `${target.url.replace(/\/+$/, '')}/v1/runs/${runId}/artifacts/${encodeURIComponent(name)}`,
          {
            headers: target.token ? { authorization: `Bearer ${target.token}` } : {},
          },
        );
        if (!response.ok) throw new BatonApiError(response.status, (await response.json().catch(() => ({}))) as Record<string, unknown>);
        const body = Readable.fromWeb(response.body as WebReadableStream);
        if (options.file) return pipeline(body, createWriteStream(options.file));
        // Standard output is never ended: written to, chunk by chunk, waiting when it is full.
        for await (const chunk of body)
          if (!process.stdout.write(chunk as Buffer)) await new Promise((resolve) => process.stdout.once('drain', resolve));
      },
    );
}
