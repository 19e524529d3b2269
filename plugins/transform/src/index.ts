import { definePlugin } from '../../sdk/src/index.js';
import { datasetStep } from './dataset.step.js';
import { jsonataStep } from './jsonata.step.js';

export default definePlugin({
  name: 'transform',
  version: '1.2.0',
  steps: [jsonataStep, datasetStep],
});
