/**
 * Every benchmark at tiny sizes (`npm run bench -- --smoke`), so that none rots unnoticed: each
 * must finish and report its figures. The figures are printed, never asserted. Two at a time, each
 * on a stack of its own; `scale` needs the Temporal cluster and runs in that tier
 * (test/cluster/bench-smoke.cluster.ts).
 */
import { describe, expect, it } from 'vitest';
import { benchNames, smokeBench } from './support/bench-smoke.js';

const AT_ONCE = 2;
const LIMIT_MS = 300_000;
const waiting: Array<() => void> = [];
let running = 0;
/** Waits for one of AT_ONCE places; the returned function hands it on to the next in line. */
async function slot(): Promise<() => void> {
  if (running < AT_ONCE) running++;
  else await new Promise<void>((resolve) => waiting.push(resolve));
  return () => {
    const next = waiting.shift();
    if (next) next();
    else running--;
  };
}

/** The longest smoke runs (about 1-2 min each on a busy 2-core machine) start first, so that none is left running alone at the end. */
const LONGEST = ['reliability', 'console', 'triggers', 'tracing', 'run-start'];
// for-each-10k is bench:for-each at 10,000 items, smoked as for-each.
const names = benchNames().filter((name) => name !== 'scale' && name !== 'for-each-10k');
const ordered = [...LONGEST.filter((name) => names.includes(name)), ...names.filter((name) => !LONGEST.includes(name))];

describe.concurrent('npm run bench -- --smoke', () => {
  it.each(ordered)(
    '%s runs at tiny sizes and reports its figures',
    async (name) => {
      const release = await slot();
      try {
        const run = await smokeBench(name, LIMIT_MS);
        console.log(run.section ? `${run.section}\n(smoke of ${name}: ${run.seconds.toFixed(0)} s)` : run.output);
        expect(run.exit, run.output).toBe(0);
        expect(run.section).toMatch(/^\| .* \|$/m);
      } finally {
        release();
      }
    },
    // Its turn may come after the others' (AT_ONCE at a time).
    20 * LIMIT_MS,
  );
});
