import { readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join, relative } from 'node:path';
import YAML from 'yaml';
import { CliError } from '../cli-context.js';

/** The kinds `baton apply` makes match the server. */
export const APPLIED_KINDS = ['Pipeline', 'Schedule', 'Trigger', 'NotificationChannel'] as const;

/** One YAML document of a folder, with where it is: a problem the API finds in it is reported at its file and line. */
export interface Manifest {
  kind: (typeof APPLIED_KINDS)[number];
  name: string;
  file: string;
  /** The line of the file the document's content starts on (1-based). */
  line: number;
  /** The document as written, comments included: sent as YAML, so the API answers with lines. */
  source: string;
  /** The document's content. */
  value: Record<string, unknown>;
  /** The line of the file `source` starts on: line n of `source` is line `sourceLine + n - 1` of the file. */
  sourceLine: number;
}

/** A place in the files and what is wrong there, printed as `file:line: path: message`. */
export interface ManifestProblem {
  file: string;
  line?: number;
  path?: string;
  message: string;
}

export class ManifestProblems extends Error {
  constructor(readonly problems: ManifestProblem[]) {
    super(`${problems.length} problem(s) in the files`);
  }
}

export const formatProblem = (p: ManifestProblem) => `${p.file}${p.line ? `:${p.line}` : ''}: ${p.path ? `${p.path}: ` : ''}${p.message}`;

function yamlFiles(path: string): string[] {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    throw new CliError(`${path} does not exist`, 'give a folder or a .yaml file');
  }
  if (stat.isFile()) return [path];
  return readdirSync(path, { withFileTypes: true })
    .filter((entry) => !entry.name.startsWith('.'))
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const child = join(path, entry.name);
      if (entry.isDirectory()) return yamlFiles(child);
      return ['.yaml', '.yml'].includes(extname(entry.name)) ? [child] : [];
    });
}

const lineAt = (text: string, offset: number) => text.slice(0, offset).split('\n').length;

/** Every document of the files and folders given (folders walked, `.yaml`/`.yml`, hidden entries skipped), each name once per kind. */
export function readManifests(paths: string[], cwd = process.cwd()): Manifest[] {
  const manifests: Manifest[] = [];
  const problems: ManifestProblem[] = [];
  for (const path of paths) {
    for (const absolute of yamlFiles(path)) {
      const file = relative(cwd, absolute) || absolute;
      const text = readFileSync(absolute, 'utf8');
      for (const [index, document] of YAML.parseAllDocuments(text).entries()) {
        // The first document's range starts at its content: the file's opening comments are part of it.
        const start = index === 0 ? 0 : document.range[0];
        const line = lineAt(text, document.contents?.range[0] ?? start);
        if (document.errors.length) {
          for (const error of document.errors)
            problems.push({ file, line: error.linePos?.[0].line, message: error.message.split('\n')[0] });
          continue;
        }
        const value: unknown = document.toJS();
        if (value === null || value === undefined) continue;
        const { kind, name } = (typeof value === 'object' ? value : {}) as { kind?: unknown; name?: unknown };
        if (!APPLIED_KINDS.includes(kind as Manifest['kind'])) {
          problems.push({
            file,
            line,
            path: 'kind',
            message: `must be one of ${APPLIED_KINDS.join(', ')} (found ${JSON.stringify(kind ?? null)})`,
          });
          continue;
        }
        if (typeof name !== 'string' || !name) {
          problems.push({ file, line, path: 'name', message: 'every document needs a name' });
          continue;
        }
        const twin = manifests.find((m) => m.kind === kind && m.name === name);
        if (twin) {
          problems.push({ file, line, path: 'name', message: `${twin.kind} ${name} is also defined at ${twin.file}:${twin.line}` });
          continue;
        }
        manifests.push({
          kind: kind as Manifest['kind'],
          name,
          file,
          line,
          source: text.slice(start, document.range[1]),
          value: value as Record<string, unknown>,
          sourceLine: lineAt(text, start),
        });
      }
    }
  }
  if (problems.length) throw new ManifestProblems(problems);
  return manifests;
}
