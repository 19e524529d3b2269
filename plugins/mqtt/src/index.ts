import { definePlugin } from '../../sdk/src/index.js';
import { publishStep } from './publish.step.js';

export default definePlugin({
  name: 'mqtt',
  version: '1.0.0',
  // MQTT over TCP, not HTTP through the broker: any host and port a tenant's broker may be at, each
  // of which a tenant admin approves (`PUT /v1/plugins/mqtt/network`).
  network: ['*:*'],
  steps: [publishStep],
});
