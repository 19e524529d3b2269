import { definePlugin } from '../../sdk/src/index.js';
import { jsonataStep } from './jsonata.step.js';

export default definePlugin({
  name: 'transform',
  version: '1.0.0',
  steps: [jsonataStep],
});
