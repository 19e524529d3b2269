import { definePlugin } from '../../sdk/src/index.js';
import { loadStep } from './load.step.js';
import { queryStep } from './query.step.js';

export default definePlugin({
  name: 'postgres',
  version: '1.0.0',
  steps: [queryStep, loadStep],
});
