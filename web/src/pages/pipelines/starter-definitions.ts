/** README's first pipeline, verbatim: what "Create your first pipeline" opens the editor with. */
export const HELLO_PIPELINE_YAML = `apiVersion: baton/v1
kind: Pipeline
name: hello
inputs: { who: { type: string, default: world } }
steps:
  greet: { uses: core/echo@^1, with: { text: "hello \${{ inputs.who }}" } }
  shout: { uses: transform/jsonata@^1, needs: [greet], with: { expression: "$uppercase(text)", data: "\${{ steps.greet.outputs }}" } }
outputs: { message: "\${{ steps.shout.outputs.result }}" }
`;

/** The skeleton a new pipeline starts from once the tenant has some: the required fields and one step to change. */
export const BLANK_PIPELINE_YAML = `apiVersion: baton/v1
kind: Pipeline
name: my-pipeline
description: What this pipeline is for
steps:
  first:
    uses: core/echo@^1
    with: { text: "replace me" }
`;

export type StarterExample = 'hello';

/** The text a new pipeline's editor opens with. */
export function starterYaml(example: StarterExample | undefined): string {
  return example === 'hello' ? HELLO_PIPELINE_YAML : BLANK_PIPELINE_YAML;
}
