import { definePlugin } from '../../sdk/src/index.js';
import { commandStep } from './command.step.js';

export default definePlugin({
  name: 'redis',
  version: '1.0.0',
  // RESP over TCP, not HTTP through the broker: any host and port a tenant's server may be at,
  // each of which a tenant admin approves (`PUT /v1/plugins/redis/network`).
  network: ['*:*'],
  steps: [commandStep],
});
