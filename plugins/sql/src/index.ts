import { definePlugin } from '../../sdk/src/index.js';
import { modelStep } from './model.step.js';
import { queryStep } from './query.step.js';

export default definePlugin({
  name: 'sql',
  version: '1.0.0',
  steps: [queryStep, modelStep],
  // DuckDB is a native add-on of the installation, loaded with ctx.installed, never bundled; it reads and writes only in the scratch folder.
  sandbox: { scratch: true, installed: ['@duckdb/node-api'] },
});
