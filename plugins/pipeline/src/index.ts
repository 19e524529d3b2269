import { definePlugin } from '../../sdk/src/index.js';
import { runStep } from './run.step.js';

export default definePlugin({
  name: 'pipeline',
  version: '1.0.0',
  steps: [runStep],
});
