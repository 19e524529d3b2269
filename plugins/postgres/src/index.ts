import { definePlugin } from '../../sdk/src/index.js';
import { loadStep } from './load.step.js';
import { queryStep } from './query.step.js';

export default definePlugin({
  name: 'postgres',
  version: '1.2.0',
  // A database driver speaks its own protocol over a socket, not HTTP through the broker.
  rawNetwork: true,
  steps: [queryStep, loadStep],
});
