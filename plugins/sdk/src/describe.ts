// Usage: node dist/plugins/sdk/src/describe.js <entry.js>...
// Prints a JSON array of manifests, in argument order. Any bad entry: nothing on stdout, one line
// per failure on stderr, exit code 1. Hosts run this as a child so plugin code never loads in-process.
import { describeEntries } from './describe-entries.js';

const entries = process.argv.slice(2);
if (entries.length === 0) {
  process.stderr.write('usage: describe <plugin-entry.js>...\n');
  process.exit(2);
}

try {
  const manifests = await describeEntries(entries);
  process.stdout.write(`${JSON.stringify(manifests)}\n`);
  // Explicit exit: a plugin's import-time timers must not keep the catalogue waiting.
  process.exit(0);
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
