import { definePlugin } from '../../sdk/src/index.js';
import { publishStep } from './publish.step.js';
import { requestStep } from './request.step.js';

export default definePlugin({
  name: 'nats',
  version: '1.0.0',
  // The NATS protocol over TCP, not HTTP through the broker: any host and port a tenant's server may
  // be at, each of which a tenant admin approves (`PUT /v1/plugins/nats/network`).
  network: ['*:*'],
  steps: [publishStep, requestStep],
});
