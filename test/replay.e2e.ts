/**
 * Replays recorded runs (test/fixtures/histories, from test/support/capture-histories.e2e.ts) with
 * the built workflow bundle, so a workflow change that would break runs already in flight fails
 * here instead of in production. Needs `npm run build`, not the running stack.
 */
import type { HistoryAndWorkflowId } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type ReplayResult, type ReplayWorkerOptions } from '@temporalio/worker';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const BUNDLE_PATH = join(ROOT, 'dist/workers/workflow-bundle.js');
const WORKFLOWS_PATH = join(ROOT, 'dist/workers/workflows/index.js');
const HISTORIES_DIR = join(ROOT, 'test/fixtures/histories');
const MIN_HISTORIES = 28;

// Not the worker's own JSON decoding (@temporalio/common's historyFromJSON): with grpc's protobufjs 7
// hoisted, npm gives common and proto separate copies of protobufjs 8, and common's `instanceof Type`
// rejects proto's types. Decode with the protojson of the copy the types came from.
const require = createRequire(import.meta.url);
const protoPath = require.resolve('@temporalio/proto');
const { fromJson } = createRequire(protoPath)('protobufjs/ext/protojson');
const { patchProtobufRoot } = require('@temporalio/proto/lib/patch-protobuf-root');
const historyType = patchProtobufRoot(require(protoPath)).lookupType('temporal.api.history.v1.History');

function loadHistories(): HistoryAndWorkflowId[] {
  return readdirSync(HISTORIES_DIR)
    .filter((file) => file.endsWith('.json'))
    .sort()
    .map((file) => ({
      workflowId: file.replace(/\.json$/, ''),
      history: fromJson(historyType, JSON.parse(readFileSync(join(HISTORIES_DIR, file), 'utf8')), { ignoreUnknownFields: true }),
    }));
}

async function replay(workflowBundle: ReplayWorkerOptions['workflowBundle'], histories: HistoryAndWorkflowId[]): Promise<ReplayResult[]> {
  const results: ReplayResult[] = [];
  for await (const result of Worker.runReplayHistories({ workflowBundle, replayName: 'baton-replay' }, histories)) results.push(result);
  return results;
}

const quiet = { log() {}, trace() {}, debug() {}, info() {}, warn: console.warn, error: console.error };

try {
  // Core logs every expected nondeterminism below as a warning.
  Runtime.install({ logger: new DefaultLogger('WARN'), telemetryOptions: { logging: { filter: { core: 'ERROR' }, forward: {} } } });
} catch {
  // A runtime already exists in this process (tests not isolated): keep its logging.
}

describe('workflow replay', () => {
  let histories: HistoryAndWorkflowId[];
  beforeAll(() => {
    if (!existsSync(BUNDLE_PATH)) throw new Error(`${BUNDLE_PATH} is missing: run \`npm run build\` first`);
    histories = loadHistories();
  });

  it('replays every recorded run with the built workflow bundle', async () => {
    expect(histories.length).toBeGreaterThanOrEqual(MIN_HISTORIES);
    const results = await replay({ codePath: BUNDLE_PATH }, histories);
    expect(results.map((r) => r.workflowId)).toEqual(histories.map((h) => h.workflowId));
    const broken = results.filter((r) => r.error).map((r) => `${r.workflowId}: ${r.error!.name}: ${r.error!.message}`);
    expect(broken, 'a workflow change must keep recorded runs replaying; put it behind patched()').toEqual([]);
  });

  describe('with a change that is not replay-safe', () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), 'baton-replay-'));
    });
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('reports a DeterminismViolationError for every recorded run', async () => {
      // The built workflows with one timer before everything else, where the recorded first command is another.
      const workflowsPath = join(dir, 'index.js');
      writeFileSync(
        workflowsPath,
        `import { sleep } from '@temporalio/workflow';
import * as original from ${JSON.stringify(WORKFLOWS_PATH)};
export async function runPipeline(input) {
  await sleep(1);
  return original.runPipeline(input);
}
export async function runForEach(input) {
  await sleep(1);
  return original.runForEach(input);
}
`,
      );
      const { code } = await bundleWorkflowCode({
        workflowsPath,
        logger: quiet,
        // The copy lives outside the repository; resolve @temporalio/workflow from the repository's node_modules.
        webpackConfigHook: (config) => ({
          ...config,
          resolve: { ...config.resolve, modules: [...(config.resolve?.modules ?? []), join(ROOT, 'node_modules')] },
        }),
      });
      const results = await replay({ code }, histories);
      expect(results.map((r) => [r.workflowId, r.error?.name])).toEqual(histories.map((h) => [h.workflowId, 'DeterminismViolationError']));
    });
  });
});
