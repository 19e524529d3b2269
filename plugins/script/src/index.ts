import { definePlugin } from '../../sdk/src/index.js';
import { pythonStep } from './python.step.js';
import { shellStep } from './shell.step.js';

export default definePlugin({
  name: 'script',
  version: '1.0.0',
  // HTTPS from a script is a CONNECT tunnel through the step's proxy: raw TCP, relayed by the worker only to
  // endpoints a tenant admin approved (`PUT /v1/plugins/script/network`), like a database driver's.
  network: ['*:*'],
  // The script's working directory and files, and the script itself: a program, run only where the worker isolates steps.
  sandbox: { scratch: true, childProcess: true },
  steps: [shellStep, pythonStep],
});
