import { definePlugin } from '../../sdk/src/index.js';
import { loadStep } from './load.step.js';
import { queryStep } from './query.step.js';

export default definePlugin({
  name: 'mysql',
  version: '1.0.0',
  // A database driver speaks its own protocol over TCP, not HTTP through the broker: any host and port
  // a tenant's database may be at, each of which a tenant admin approves (`PUT /v1/plugins/mysql/network`).
  network: ['*:*'],
  steps: [queryStep, loadStep],
});
