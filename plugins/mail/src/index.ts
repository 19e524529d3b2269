import { definePlugin } from '../../sdk/src/index.js';
import { sendStep } from './send.step.js';

export default definePlugin({
  name: 'mail',
  version: '1.0.0',
  // SMTP is its own protocol over TCP, not HTTP through the broker: any mail server a tenant uses,
  // each endpoint approved by a tenant admin (`PUT /v1/plugins/mail/network`, e.g. smtp.example.com:587).
  network: ['*:*'],
  steps: [sendStep],
});
