import { definePlugin } from '../../sdk/src/index.js';
import { getStep } from './get.step.js';
import { listStep } from './list.step.js';
import { putStep } from './put.step.js';
import { waitForStep } from './wait-for.step.js';

export default definePlugin({
  name: 's3',
  version: '1.0.0',
  steps: [listStep, getStep, putStep, waitForStep],
});
