import { definePlugin } from '../../sdk/src/index.js';
import { compareStep } from './compare.step.js';
import { driftStep } from './drift.step.js';
import { evaluateStep } from './evaluate.step.js';
import { predictStep } from './predict.step.js';
import { registerStep } from './register.step.js';
import { splitStep } from './split.step.js';
import { trainStep } from './train.step.js';

export default definePlugin({
  name: 'ml',
  version: '1.3.1',
  steps: [splitStep, trainStep, evaluateStep, predictStep, driftStep, registerStep, compareStep],
});
