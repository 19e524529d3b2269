import { defineScriptStep } from './script-step.js';

export const pythonStep = defineScriptStep({
  id: 'python',
  title: 'Run a Python script',
  description:
    "Runs the script with the worker's python3, standard library only (isolated mode: no site-packages, no PYTHON* variables, nothing installed at run time), in the step sandbox. Inputs arrive as JSON on stdin and in the file $BATON_INPUTS; outputs are the JSON object the script writes to $BATON_OUTPUTS. Its output lines become the step log; an exit code other than 0 fails the step (75 is retried). urllib goes through $HTTP_PROXY, to the hosts in `egress` only.",
  // -I: isolated from the environment and user site-packages; -u: lines reach the log as they are printed.
  argv: (script) => ['python3', '-I', '-u', '-c', script],
});
