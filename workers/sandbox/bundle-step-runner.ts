import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

/**
 * Part of `npm run build`: bundles the step-runner and everything it imports into the one script
 * StepSandbox starts (`step-runner.cjs`). Every step process begins by loading the runner, and Node
 * loads one CommonJS file in a fraction of the time it takes to resolve and link the ~20 ES modules
 * tsc emits for it (~35 ms of a cold start on a 2-core machine; `npm run bench:sandbox`).
 */
const STEP_RUNNER_BUNDLE = fileURLToPath(new URL('./step-runner.cjs', import.meta.url));
const started = Date.now();
const result = await build({
  entryPoints: [fileURLToPath(new URL('./step-runner.js', import.meta.url))],
  outfile: STEP_RUNNER_BUNDLE,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  // The runner's own sources are ES modules, strict throughout; CommonJS is not unless told.
  banner: { js: "'use strict';" },
  minifyWhitespace: true,
  minifySyntax: true,
  // Packages stay in node_modules, which the runner may read (it imports none today).
  packages: 'external',
  logLevel: 'warning',
  metafile: true,
});
const bytes = Object.values(result.metafile.outputs)[0].bytes;
console.log(`Step runner bundle: ${STEP_RUNNER_BUNDLE} (${Math.round(bytes / 1024)} KiB) in ${Date.now() - started} ms`);
