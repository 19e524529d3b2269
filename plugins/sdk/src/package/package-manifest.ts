import { z } from 'zod';
import { INSTALLED_MODULE, PLUGIN_API_VERSION } from '../define-plugin.js';
import type { PluginManifest } from '../describe-plugin.js';
import { patternProblem } from '../network-endpoints.js';

/** The three files of a plugin package, by these exact names. */
export const PACKAGE_FILES = { manifest: 'manifest.json', signature: 'manifest.sig', bundle: 'bundle.mjs' } as const;
export type PackageFileRole = keyof typeof PACKAGE_FILES;

/** Which SDK contract a package was built against; the registry accepts only ranges it serves. */
export const SDK_RANGE = `^${PLUGIN_API_VERSION}`;
export const MANIFEST_VERSION = 1;
/** The publisher name every installation reserves for its own first-party plugins. */
export const FIRST_PARTY_PUBLISHER = 'baton';

const NAME = /^[a-z0-9-]+$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;
const distinctStrings = z
  .array(z.string().min(1).max(253))
  .max(100)
  .refine((list) => new Set(list).size === list.length, 'must not repeat an entry');

const StepManifestSchema = z.strictObject({
  id: z.string().regex(NAME),
  title: z.string().min(1).max(200),
  description: z.string().max(4_000),
  inputSchema: z.record(z.string(), z.unknown()),
  outputSchema: z.record(z.string(), z.unknown()),
  secrets: distinctStrings,
  egress: distinctStrings,
});

/**
 * `manifest.json`: what `describePlugin` says of the bundle, plus who publishes it and the bundle's
 * digest. The signature covers its exact bytes, so nothing here is ever re-serialised to verify.
 */
export const PackageManifestSchema = z.strictObject({
  manifestVersion: z.literal(MANIFEST_VERSION),
  name: z.string().regex(NAME).max(64),
  version: z.string().regex(SEMVER).max(64),
  apiVersion: z.literal(PLUGIN_API_VERSION),
  sdk: z.string().min(1).max(32),
  publisher: z.string().regex(NAME).max(64),
  /** Manifests before `network`: `true` stands for `*:*`. */
  rawNetwork: z.boolean().optional(),
  network: z
    .array(
      z
        .string()
        .min(3)
        .max(300)
        .refine((p) => patternProblem(p) === undefined, {
          error: (issue) => patternProblem(String(issue.input)) ?? 'not a host:port pattern',
        }),
    )
    .max(100)
    .optional(),
  sandbox: z
    .strictObject({
      scratch: z.boolean().optional(),
      installed: z
        .array(z.string().max(214).regex(INSTALLED_MODULE))
        .min(1)
        .max(20)
        .refine((list) => new Set(list).size === list.length, 'must not repeat an entry')
        .optional(),
      childProcess: z.boolean().optional(),
    })
    .optional(),
  bundle: z.strictObject({ file: z.literal(PACKAGE_FILES.bundle), digest: z.string().regex(DIGEST), size: z.number().int().nonnegative() }),
  steps: z
    .array(StepManifestSchema)
    .min(1)
    .max(100)
    .refine((steps) => new Set(steps.map((s) => s.id)).size === steps.length, 'step ids must be distinct'),
});
export type PackageManifest = z.infer<typeof PackageManifestSchema>;

/** Grants only the installation's own publisher may ask for: they reach past Node's permission model. */
export function firstPartyOnlyGrants(manifest: Pick<PackageManifest, 'sandbox'>): string[] {
  const { installed, childProcess } = manifest.sandbox ?? {};
  return [...(installed ? ['sandbox.installed'] : []), ...(childProcess ? ['sandbox.childProcess'] : [])];
}

/** The raw network a manifest asks for, older manifests' `rawNetwork: true` included. */
export function networkPatternsOf(manifest: Pick<PackageManifest, 'network' | 'rawNetwork'>): string[] {
  return manifest.network ?? (manifest.rawNetwork ? ['*:*'] : []);
}

export function packageManifest(described: PluginManifest, bundle: { digest: string; size: number }, publisher: string): PackageManifest {
  return {
    manifestVersion: MANIFEST_VERSION,
    name: described.name,
    version: described.version,
    apiVersion: described.apiVersion,
    sdk: SDK_RANGE,
    publisher,
    network: described.network,
    ...(described.sandbox && { sandbox: described.sandbox }),
    bundle: { file: PACKAGE_FILES.bundle, ...bundle },
    steps: described.steps,
  };
}

/** Manifest bytes as `pack` writes them: stable key order, two-space indent, final newline. */
export function manifestBytes(manifest: PackageManifest): Buffer {
  return Buffer.from(`${JSON.stringify(manifest, null, 2)}\n`);
}

export type ManifestParse = { ok: true; manifest: PackageManifest } | { ok: false; problems: Array<{ path: string; message: string }> };

/** Parses the exact bytes that were signed; every problem names its field. */
export function parseManifest(bytes: Buffer): ManifestParse {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (error) {
    return { ok: false, problems: [{ path: PACKAGE_FILES.manifest, message: `is not JSON: ${(error as Error).message}` }] };
  }
  const parsed = PackageManifestSchema.safeParse(raw);
  if (parsed.success) return { ok: true, manifest: parsed.data };
  return {
    ok: false,
    problems: parsed.error.issues.map((issue) => ({ path: ['manifest', ...issue.path.map(String)].join('.'), message: issue.message })),
  };
}
