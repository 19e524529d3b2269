import { z } from 'zod';
import { defineStep } from '../../sdk/src/index.js';

const anyObject = z.looseObject({});

export const echoStep = defineStep({
  id: 'echo',
  title: 'Echo the input',
  description: 'Outputs exactly the object it was given. Handy for wiring and debugging pipelines.',
  input: anyObject,
  output: anyObject,
  run: (input) => input,
});
