import { definePlugin } from '../../sdk/src/index.js';
import { consumeStep } from './consume.step.js';
import { publishStep } from './publish.step.js';

export default definePlugin({
  name: 'amqp',
  version: '1.0.0',
  // AMQP 0-9-1 over TCP, not HTTP through the broker: any host and port a tenant's broker may be at,
  // each of which a tenant admin approves (`PUT /v1/plugins/amqp/network`).
  network: ['*:*'],
  steps: [publishStep, consumeStep],
});
