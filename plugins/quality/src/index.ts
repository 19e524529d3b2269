import { definePlugin } from '../../sdk/src/index.js';
import { expectStep } from './expect.step.js';

export default definePlugin({
  name: 'quality',
  version: '1.1.0',
  steps: [expectStep],
});
