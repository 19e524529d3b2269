import { defineScriptStep } from './script-step.js';

export const shellStep = defineScriptStep({
  id: 'shell',
  title: 'Run a shell script',
  description:
    'Runs the script with `/bin/sh -c` (POSIX sh) in the step sandbox. Inputs arrive as JSON on stdin and in the file $BATON_INPUTS; outputs are the JSON object the script writes to $BATON_OUTPUTS. Its output lines become the step log; an exit code other than 0 fails the step (75 is retried). HTTP goes through $HTTP_PROXY, to the hosts in `egress` only.',
  argv: (script) => ['/bin/sh', '-c', script],
});
