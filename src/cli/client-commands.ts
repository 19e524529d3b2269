import { Command } from 'commander';
import { ok, createBatonClient } from '../../client/src/index.js';
import { applyCommand } from './apply/apply-command.js';
import { artifactsCommand } from './artifacts-command.js';
import { CLI_USER_AGENT, CliError, credentialsFile, saveProfile } from './cli-context.js';
import { completionScript } from './completion.js';
import { getCommand, runCommands } from './run-commands.js';

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

function loginCommand(): Command {
  return new Command('login')
    .description('Sign in to a Baton API and keep the token for later commands (per profile, in a file only you can read)')
    .argument('<url>', 'the API, e.g. http://127.0.0.1:3000')
    .option('--email <email>', 'sign in with this e-mail; the password is read from standard input (or BATON_PASSWORD)')
    .option('--tenant <tenant>', 'the tenant to sign in to, for people in several')
    .option('--token <token>', 'keep this API key (bk_…) instead of signing in with a password')
    .action(async (url: string, options: { email?: string; tenant?: string; token?: string }, command: Command) => {
      const profile = command.optsWithGlobals<{ profile?: string }>().profile ?? process.env.BATON_PROFILE ?? 'default';
      let token = options.token;
      if (!token) {
        if (!options.email) throw new CliError('say how to sign in', 'give --email (password on standard input) or --token <api key>');
        const password = process.env.BATON_PASSWORD ?? (await readStdin());
        const api = createBatonClient({ url, userAgent: CLI_USER_AGENT });
        token = (await ok(api.POST('/v1/auth/login', { body: { email: options.email, password, tenant: options.tenant } }))).token;
      }
      // The token is checked before it is kept.
      const me = await ok(createBatonClient({ url, token, userAgent: CLI_USER_AGENT }).GET('/v1/me'));
      saveProfile(profile, { url, token });
      process.stderr.write(
        `signed in to ${url} as ${me.user?.email ?? `API key ${me.apiKeyId}`} (tenant ${me.tenant.name}); profile ${profile} in ${credentialsFile()}\n`,
      );
    });
}

function logoutCommand(): Command {
  return new Command('logout').description("Forget a profile's token").action((_options: object, command: Command) => {
    const profile = command.optsWithGlobals<{ profile?: string }>().profile ?? process.env.BATON_PROFILE ?? 'default';
    saveProfile(profile, undefined);
    process.stderr.write(`profile ${profile} forgotten\n`);
  });
}

/** The commands that talk to a Baton API (`BATON_URL`, `BATON_TOKEN`, or a profile `baton login` kept). */
export function clientCommands(program: Command): Command[] {
  const completion = new Command('completion')
    .description('Print a shell completion script: `source <(baton completion bash)` (bash or zsh)')
    .argument('[shell]', 'bash or zsh', 'bash')
    .action((shell: string) => void process.stdout.write(completionScript(program, shell)));
  return [loginCommand(), logoutCommand(), applyCommand(), ...runCommands(), getCommand(), artifactsCommand(), completion];
}
