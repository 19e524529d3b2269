import { definePlugin } from '../../sdk/src/index.js';
import { requestStep } from './request.step.js';

export default definePlugin({
  name: 'http',
  version: '1.1.0',
  steps: [requestStep],
});
