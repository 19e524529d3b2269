import pc from 'picocolors';
import { BatonApiError, type BatonClient } from '../../../client/src/index.js';
import type { Manifest, ManifestProblem } from './manifests.js';

export type FieldChange = { path: string; before: unknown; after: unknown };
/** A document's body: the document without `apiVersion`, `kind` and `name`. */
export type Body = Record<string, unknown>;
/** An object as the API shows it: an id, a name (objects without one are never a folder's), and its fields. */
export type View = Record<string, unknown> & { id: string; name?: string | null };

/**
 * One kind of object `baton apply` keeps by name beside the pipelines (schedules, triggers,
 * notification channels): how to list the server's, compare one with a document, and change it.
 */
export interface NamedKind {
  kind: Manifest['kind'];
  /** How the plan names the kind: `schedule`. */
  noun: string;
  /** Every named object of the kind in the tenant. */
  list(api: BatonClient): Promise<View[]>;
  /** What is wrong with a document before anything is sent (the API checks the rest). */
  problems(body: Body): Array<{ path: string; message: string }>;
  /** The fields a document changes in place, its defaults filled in. */
  changes(body: Body, current: View): FieldChange[];
  /** A field that cannot change in place (a schedule's pipeline, a trigger's type): the object is made anew. */
  remake(body: Body, current: View): FieldChange | undefined;
  /** What a new one will do, for the plan: `starts hello`. */
  purpose(body: Body): string;
  /** Makes one; answers what to tell the user besides `created` (a webhook's address). */
  create(api: BatonClient, name: string, body: Body): Promise<string | undefined>;
  update(api: BatonClient, current: View, changes: FieldChange[]): Promise<void>;
  remove(api: BatonClient, current: View): Promise<void>;
}

/** What `baton apply` does to one named object of a kind. */
export type ObjectChange = { kind: NamedKind; name: string } & (
  | { action: 'create'; body: Body }
  | { action: 'unchanged'; current: View }
  | { action: 'update'; current: View; fields: FieldChange[] }
  | { action: 'replace'; current: View; body: Body; fields: FieldChange[] }
  | { action: 'delete'; current: View }
);

export const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** Every item of a cursor-paged list. */
export async function allPages<T>(page: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor?: string | null }>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const next = await page(cursor);
    items.push(...next.items);
    cursor = next.nextCursor ?? undefined;
  } while (cursor);
  return items;
}

export function bodyOf(manifest: Manifest): Body {
  const { apiVersion: _apiVersion, kind: _kind, name: _name, ...body } = manifest.value;
  return body;
}

/**
 * The plan for one kind: each document matched with the server's object of its name; with
 * `--prune`, a named object no document names is deleted. Objects without a name (made by hand in
 * the console or through the API) are never the folder's to change or prune.
 */
export async function planNamed(
  api: BatonClient,
  kind: NamedKind,
  manifests: Manifest[],
  prune: boolean,
): Promise<{ changes: ObjectChange[]; problems: ManifestProblem[] }> {
  const documents = manifests.filter((m) => m.kind === kind.kind);
  const problems = documents.flatMap((m) => kind.problems(bodyOf(m)).map((p) => ({ file: m.file, line: m.line, ...p })));
  if ((!documents.length && !prune) || problems.length) return { changes: [], problems };
  const existing = new Map<string, View>();
  for (const view of await listed(api, kind, documents.length > 0)) if (view.name) existing.set(view.name, view);
  const changes: ObjectChange[] = documents.map((manifest) => {
    const { name } = manifest;
    const body = bodyOf(manifest);
    const current = existing.get(name);
    if (!current) return { kind, name, action: 'create', body };
    const fields = kind.changes(body, current);
    const remade = kind.remake(body, current);
    if (remade) return { kind, name, action: 'replace', current, body, fields: [remade, ...fields] };
    return fields.length ? { kind, name, action: 'update', current, fields } : { kind, name, action: 'unchanged', current };
  });
  if (prune) {
    const kept = new Set(documents.map((m) => m.name));
    for (const [name, current] of existing) if (!kept.has(name)) changes.push({ kind, name, action: 'delete', current });
  }
  return { changes, problems };
}

/**
 * The kind's named objects. Pruning a kind the folder has no document of needs no more than the
 * caller's role allows: an operator's key, which cannot see channels (an admin's), prunes none.
 */
async function listed(api: BatonClient, kind: NamedKind, declared: boolean): Promise<View[]> {
  try {
    return await kind.list(api);
  } catch (error) {
    if (declared || !(error instanceof BatonApiError) || error.status !== 403) throw error;
    return [];
  }
}

const shown = (value: unknown) => (value === undefined ? '(none)' : JSON.stringify(value));

export function describeNamed(changes: ObjectChange[]): string[] {
  return changes.flatMap((change) => {
    const what = `${change.kind.noun} ${change.name}`;
    const fields = 'fields' in change ? change.fields.map((f) => `    ${f.path}: ${shown(f.before)} → ${shown(f.after)}`) : [];
    switch (change.action) {
      case 'create':
        return [pc.green(`+ ${what} (new, ${change.kind.purpose(change.body)})`)];
      case 'unchanged':
        return [pc.dim(`= ${what} (unchanged)`)];
      case 'update':
        return [pc.yellow(`~ ${what}`), ...fields];
      case 'replace':
        return [pc.yellow(`± ${what} (made anew: its ${change.fields[0].path} changed)`), ...fields];
      case 'delete':
        return [pc.red(`- ${what} (delete)`)];
    }
  });
}

/** Makes one change; says what it did. */
export async function applyNamed(api: BatonClient, change: ObjectChange): Promise<string | null> {
  const { kind, name } = change;
  const what = `${kind.noun} ${name}`;
  const created = (note: string | undefined) => (note ? `: ${note}` : '');
  switch (change.action) {
    case 'unchanged':
      return null;
    case 'create':
      return `created ${what}${created(await kind.create(api, name, change.body))}`;
    case 'update':
      await kind.update(api, change.current, change.fields);
      return `updated ${what}`;
    case 'replace':
      await kind.remove(api, change.current);
      return `made ${what} anew${created(await kind.create(api, name, change.body))}`;
    case 'delete':
      await kind.remove(api, change.current);
      return `deleted ${what}`;
  }
}
