import type { CheckContext } from './check-context.js';

/** The definition's `name` is the one in the URL it is saved under. */
export function checkName({ definition, options, report }: CheckContext): void {
  if (options.expectedName !== undefined && definition.name !== undefined && definition.name !== options.expectedName)
    report('name', `The definition is named \`${definition.name}\` but is being saved as \`${options.expectedName}\``);
}
