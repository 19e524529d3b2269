import { definePlugin } from '../../sdk/src/index.js';
import { echoStep } from './echo.step.js';
import { failStep } from './fail.step.js';
import { logStep } from './log.step.js';
import { sleepStep } from './sleep.step.js';

export default definePlugin({
  name: 'core',
  version: '1.0.0',
  steps: [echoStep, logStep, sleepStep, failStep],
});
