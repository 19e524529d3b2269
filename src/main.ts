import './process-guards.js';
import { Command } from 'commander';
import { pluginCommand, PluginCliError } from '../plugins/sdk/src/cli/plugin-commands.js';
import { PackError } from '../plugins/sdk/src/package/pack.js';
import { BatonApiError } from '../client/src/index.js';
import { batonVersion, CliError } from './cli/cli-context.js';
import { clientCommands } from './cli/client-commands.js';
import { describeFailure } from './cli/cli-output.js';
import { workerDeploymentCommand, WorkerDeploymentCliError } from './temporal/worker-deployment-command.js';

/** The server side, imported when a server command runs. */
const server = () => import('./server-commands.js');
let serverLoaded = false;
const loadServer = () => {
  serverLoaded = true;
  return server();
};

const program = new Command('baton')
  .description('Baton: pipelines for DataOps and MLOps on Temporal')
  .version(batonVersion(), '-V, --version')
  .option('--profile <name>', 'the profile `baton login` kept (BATON_PROFILE; default: default); BATON_URL and BATON_TOKEN win over it')
  .showHelpAfterError();
program
  .command('up')
  .description('Start everything on this machine: API, worker, and (unless configured) embedded PostgreSQL and Temporal')
  .action(async () => (await loadServer()).run('up'));
program
  .command('api')
  .description('Start the control-plane API (needs DATABASE_URL and TEMPORAL_ADDRESS)')
  .action(async () => (await loadServer()).run('api'));
program
  .command('worker')
  .description('Start a worker (needs DATABASE_URL and TEMPORAL_ADDRESS)')
  .option('--pool <name>', 'the worker pool to serve: the steps whose runsOn names it (WORKER_POOL; default: default)')
  .action(async ({ pool }: { pool?: string }) => (await loadServer()).run('worker', pool === undefined ? {} : { WORKER_POOL: pool }));
program
  .command('migrate')
  .description('Apply database migrations')
  .action(async () => (await loadServer()).migrate());
program
  .command('secrets')
  .description('Manage the secrets store')
  .command('rotate')
  .description('Re-wrap tenant data keys with the current SECRETS_MASTER_KEY (old keys in SECRETS_PREVIOUS_MASTER_KEYS); resumable')
  .option('--data-keys', 'also give every tenant a new data key and re-seal its secrets')
  .action(async (options: { dataKeys?: boolean }) => (await loadServer()).rotateSecrets(options));
program
  .command('mail')
  .argument('[id]', 'show this mail whole')
  .option('--limit <n>', 'how many to list', '20')
  .description(
    'List the mails sent or, without SMTP_URL, kept for the operator (verification, invitations, password resets), newest first; or show one',
  )
  .action(async (id: string | undefined, options: { limit: string }) => (await loadServer()).showMail(id, options));
program
  .command('backup')
  .argument('<file>', 'the archive to write (.tar.gz)')
  .description(
    "Back up the embedded mode (Temporal dev server database, then Baton's database, and the secrets of BATON_HOME) into one file; works while `baton up` runs",
  )
  .action(async (file: string) => (await loadServer()).backup(file));
program
  .command('restore')
  .argument('<file>', 'an archive `baton backup` wrote')
  .description('Restore a `baton backup` into an empty BATON_HOME that no `baton up` runs on; then start it with `baton up`')
  .action(async (file: string) => (await loadServer()).restore(file));
program
  .command('setup')
  .description('Obtain what the embedded mode needs (the Temporal CLI, built with Go once) and print where it is')
  .action(async () => (await loadServer()).setup());
program
  .command('openapi')
  .argument('[file]', 'where to write it (YAML if it ends in .yaml); standard output when left out')
  .description("Write the API's OpenAPI document (what GET /openapi.json serves) without starting anything")
  .action(async (file: string | undefined) => (await loadServer()).writeOpenApi(file));
for (const command of clientCommands(program)) program.addCommand(command);
program.addCommand(pluginCommand());
program.addCommand(workerDeploymentCommand());
program
  .command('config')
  .description('List configuration variables and their defaults')
  .action(async () => (await loadServer()).listConfig());

program.parseAsync().catch(async (error: unknown) => {
  // Mistakes a user can fix get one line; anything else the stack, to report.
  if (error instanceof CliError || error instanceof BatonApiError) {
    const failure = describeFailure(error);
    console.error(failure.message);
    process.exit(failure.exitCode);
  }
  if (error instanceof PluginCliError || error instanceof PackError || error instanceof WorkerDeploymentCliError)
    console.error(`baton: ${error.message}`);
  else if (serverLoaded) (await server()).reportServerFailure(error);
  else console.error(`baton: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
