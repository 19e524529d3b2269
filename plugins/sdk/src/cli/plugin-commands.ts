import { Command } from 'commander';
import { build, type Message } from 'esbuild';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { sha256Digest } from '../package/digest.js';
import { describeBuildFailure, packPlugin, pluginBuildOptions } from '../package/pack.js';
import { createPackageArchive } from '../package/package-archive.js';
import { PACKAGE_FILES, parseManifest } from '../package/package-manifest.js';
import { generatePublisherKeyPair, signManifest } from '../package/signing.js';
import { scaffoldPlugin } from './scaffold.js';

/** What a plugin's package.json may say under `"baton"`. */
interface PluginPackageJson {
  baton?: { entry?: string; publisher?: string };
}

const OUT_DIR = 'dist-plugin';
const DEFAULT_URL = 'http://127.0.0.1:8080';

class CliError extends Error {}

function packageJson(dir: string): PluginPackageJson {
  const file = join(dir, 'package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as PluginPackageJson) : {};
}

function packageDir(dir: string): string {
  const out = join(resolve(dir), OUT_DIR);
  if (!existsSync(join(out, PACKAGE_FILES.manifest))) throw new CliError(`${out} has no package: run \`baton plugin pack\` first`);
  return out;
}

function apiOptions(command: Command): Command {
  return command
    .option('--url <url>', 'Baton API (env BATON_URL)', process.env.BATON_URL ?? DEFAULT_URL)
    .option('--token <token>', 'a session token or API key with the publisher (or owner) role (env BATON_TOKEN)', process.env.BATON_TOKEN);
}

/** A problem field as the user reads it: a string as is, anything else as JSON. */
const asText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

async function callApi(
  options: { url: string; token?: string },
  path: string,
  init: { method: string; body: Buffer | string; contentType: string },
): Promise<unknown> {
  if (!options.token) throw new CliError('no token: pass --token or set BATON_TOKEN');
  const response = await fetch(new URL(path, options.url), {
    method: init.method,
    headers: { authorization: `Bearer ${options.token}`, 'content-type': init.contentType },
    body: init.body,
  });
  const text = await response.text();
  const body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  if (!response.ok) {
    const problems = Array.isArray(body.errors)
      ? (body.errors as Array<{ path: string; message: string }>).map((e) => `\n  ${e.path}: ${e.message}`).join('')
      : '';
    throw new CliError(`${response.status} ${asText(body.title ?? body.type ?? '')}: ${asText(body.detail ?? text)}${problems}`);
  }
  return body;
}

/** Runs the plugin's `*.test.ts` files with node:test, bundled the way `pack` bundles the plugin. */
async function runPluginTests(dir: string): Promise<number> {
  const root = resolve(dir);
  const tests = (readdirSync(join(root, 'src'), { recursive: true }) as string[])
    .filter((file) => /\.test\.[cm]?[jt]s$/.test(file))
    .map((file) => join(root, 'src', file));
  if (!tests.length) throw new CliError(`no *.test.ts files under ${join(root, 'src')}`);
  const outDir = mkdtempSync(join(tmpdir(), 'baton-plugin-test-'));
  try {
    await build({
      ...pluginBuildOptions(),
      entryPoints: tests,
      outdir: outDir,
      outbase: root,
      outExtension: { '.js': '.mjs' },
      write: true,
    }).catch((error: { errors?: Message[] }) => {
      throw new CliError(`bundling the tests failed:\n${describeBuildFailure(error)}`);
    });
    const bundled = tests.map((file) => join(outDir, relative(root, file)).replace(/\.[cm]?[jt]s$/, '.mjs'));
    const child = spawn(process.execPath, ['--test', ...bundled], { stdio: 'inherit' });
    return await new Promise<number>((done) => child.on('exit', (code) => done(code ?? 1)));
  } finally {
    rmSync(outDir, { recursive: true, force: true });
  }
}

/** `baton plugin …`: scaffold, test, pack, sign and publish a plugin. */
export function pluginCommand(): Command {
  const plugin = new Command('plugin').description('Write, test, pack, sign and publish plugins (plugins/sdk/README.md)');

  plugin
    .command('init <dir>')
    .description('Scaffold a plugin with one step and a passing test')
    .option('--name <name>', 'plugin name (default: the folder name)')
    .option('--publisher <publisher>', 'your publisher name, written to package.json')
    .action((dir: string, options: { name?: string; publisher?: string }) => {
      const made = scaffoldPlugin({ dir, ...options });
      console.log(`Created plugin ${made.name} in ${made.dir}: ${made.files.join(', ')}`);
    });

  plugin
    .command('test [dir]')
    .description("Run the plugin's src/**/*.test.ts files with node:test")
    .action(async (dir = '.') => {
      process.exitCode = await runPluginTests(dir);
    });

  plugin
    .command('pack [dir]')
    .description(`Bundle the plugin into ${OUT_DIR}/ (${PACKAGE_FILES.bundle}, ${PACKAGE_FILES.manifest})`)
    .option('--publisher <publisher>', 'publisher name (default: package.json baton.publisher)')
    .option('--external <modules...>', 'modules to leave out of the bundle (optional native add-ons)')
    .action(async (dir = '.', options: { publisher?: string; external?: string[] }) => {
      const root = resolve(dir);
      const config = packageJson(root).baton ?? {};
      const publisher = options.publisher ?? config.publisher;
      if (!publisher) throw new CliError('no publisher: pass --publisher or set baton.publisher in package.json');
      const entry = join(root, config.entry ?? (existsSync(join(root, 'src/index.ts')) ? 'src/index.ts' : 'src/index.js'));
      const manifest = await packPlugin({ entry, outDir: join(root, OUT_DIR), publisher, external: options.external });
      console.log(
        `Packed ${manifest.name}@${manifest.version} (${manifest.steps.map((s) => s.id).join(', ')}): ${manifest.bundle.size} bytes, ${manifest.bundle.digest}`,
      );
    });

  plugin
    .command('keygen')
    .description('Create an Ed25519 key pair for signing: <out>.key (keep it private) and <out>.pub')
    .option('--out <prefix>', 'file name prefix', 'publisher')
    .action((options: { out: string }) => {
      const [keyFile, pubFile] = [`${options.out}.key`, `${options.out}.pub`].map((file) => resolve(file));
      if (existsSync(keyFile) || existsSync(pubFile)) throw new CliError(`${keyFile} or ${pubFile} exists; not overwriting a key`);
      const pair = generatePublisherKeyPair();
      writeFileSync(keyFile, pair.privateKeyPem, { mode: 0o600 });
      writeFileSync(pubFile, pair.publicKeyPem);
      console.log(`Key ${pair.keyId}: private ${keyFile}, public ${pubFile}`);
    });

  apiOptions(
    plugin.command('register-key').description('Register a public key with the registry (the first key also claims the publisher name)'),
  )
    .requiredOption('--key <file>', 'the .pub file from keygen')
    .option('--publisher <publisher>', 'publisher name to claim with the first key')
    .action(async (options: { key: string; publisher?: string; url: string; token?: string }) => {
      const body = JSON.stringify({
        publicKey: readFileSync(options.key, 'utf8'),
        ...(options.publisher ? { publisher: options.publisher } : {}),
      });
      const key = (await callApi(options, '/v1/publishers/keys', { method: 'POST', body, contentType: 'application/json' })) as {
        id: string;
        publisher: string;
      };
      console.log(`Registered key ${key.id} for publisher ${key.publisher}`);
    });

  plugin
    .command('sign [dir]')
    .description(`Sign ${OUT_DIR}/${PACKAGE_FILES.manifest}, writing ${PACKAGE_FILES.signature}`)
    .requiredOption('--key <file>', 'the .key file from keygen')
    .action((dir = '.', options: { key: string }) => {
      const out = packageDir(dir);
      const manifest = readFileSync(join(out, PACKAGE_FILES.manifest));
      const parsed = parseManifest(manifest);
      if (!parsed.ok)
        throw new CliError(`${PACKAGE_FILES.manifest} is not valid: ${parsed.problems.map((p) => `${p.path}: ${p.message}`).join('; ')}`);
      // Signing vouches for the bundle too: refuse a bundle that changed since it was packed.
      if (sha256Digest(readFileSync(join(out, PACKAGE_FILES.bundle))) !== parsed.manifest.bundle.digest)
        throw new CliError(`${PACKAGE_FILES.bundle} changed since it was packed: pack again`);
      const signature = signManifest(manifest, readFileSync(options.key, 'utf8'));
      writeFileSync(join(out, PACKAGE_FILES.signature), `${JSON.stringify(signature, null, 2)}\n`);
      console.log(`Signed ${parsed.manifest.name}@${parsed.manifest.version} with key ${signature.keyId}`);
    });

  apiOptions(plugin.command('publish [dir]').description('Upload the signed package to the registry')).action(
    async (dir = '.', options: { url: string; token?: string }) => {
      const out = packageDir(dir);
      if (!existsSync(join(out, PACKAGE_FILES.signature)))
        throw new CliError(`${out} is not signed: run \`baton plugin sign --key <file>\` first`);
      const published = (await callApi(options, '/v1/plugins', {
        method: 'POST',
        body: await createPackageArchive(out),
        contentType: 'application/octet-stream',
      })) as { name: string; version: string; digest: string };
      console.log(`Published ${published.name}@${published.version} (${published.digest})`);
    },
  );

  return plugin;
}

export { CliError as PluginCliError };
