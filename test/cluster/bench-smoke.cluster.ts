/** `npm run bench:scale` at tiny sizes (test/bench-smoke.e2e.ts does the others): it must finish and report its figures. */
import { expect, it } from 'vitest';
import { smokeBench } from '../support/bench-smoke.js';

it('bench:scale runs at tiny sizes and reports its figures', async () => {
  const run = await smokeBench('scale', 600_000);
  console.log(run.section ? `${run.section}\n(smoke of scale: ${run.seconds.toFixed(0)} s)` : run.output);
  expect(run.exit, run.output).toBe(0);
  expect(run.section).toMatch(/^\| .* \|$/m);
});
