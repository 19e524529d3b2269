import { definePlugin } from '../../sdk/src/index.js';
import { readStep } from './read.step.js';
import { writeStep } from './write.step.js';

export default definePlugin({
  name: 'files',
  version: '1.1.0',
  steps: [readStep, writeStep],
});
