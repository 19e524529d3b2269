/**
 * A pipeline's `inputs` (each a JSON Schema) as form fields, and the values typed into them back as
 * a run's `inputs` (docs/pipelines.md#inputs).
 */
type Schema = Record<string, unknown>;

interface FieldBase {
  name: string;
  label: string;
  description?: string;
  required: boolean;
}

export type InputField = FieldBase &
  (
    | { kind: 'text'; inputType: 'text' | 'date' | 'email' | 'url'; initial: string }
    | { kind: 'number'; integer: boolean; min?: number; max?: number; initial: number | '' }
    | { kind: 'boolean'; initial: boolean }
    /** An enum: each option's value is its index, so any JSON value can be offered by a select. */
    | { kind: 'choice'; options: { value: string; label: string }[]; choices: unknown[]; initial: string | null }
    /** Anything else (arrays, objects, unions): typed as JSON. */
    | { kind: 'json'; initial: string }
  );

export type InputValue = string | number | boolean | null;

const TEXT_FORMATS: Record<string, 'date' | 'email' | 'url'> = { date: 'date', email: 'email', uri: 'url' };

export function inputFields(definition: { inputs?: unknown; required?: unknown }): InputField[] {
  const inputs = (definition.inputs ?? {}) as Record<string, Schema>;
  const required = new Set(Array.isArray(definition.required) ? (definition.required as string[]) : []);
  return Object.entries(inputs).map(([name, schema]) => {
    const base: FieldBase = {
      name,
      label: typeof schema.title === 'string' ? schema.title : name,
      description: typeof schema.description === 'string' ? schema.description : undefined,
      required: required.has(name),
    };
    const fallback = schema.default;
    if (Array.isArray(schema.enum)) {
      const index = schema.enum.findIndex((choice) => JSON.stringify(choice) === JSON.stringify(fallback));
      const options = schema.enum.map((choice, at) => ({
        value: String(at),
        label: typeof choice === 'string' ? choice : JSON.stringify(choice),
      }));
      return { ...base, kind: 'choice', options, choices: schema.enum, initial: index >= 0 ? String(index) : null };
    }
    switch (schema.type) {
      case 'string':
        return {
          ...base,
          kind: 'text',
          inputType: TEXT_FORMATS[schema.format as string] ?? 'text',
          initial: typeof fallback === 'string' ? fallback : '',
        };
      case 'number':
      case 'integer':
        return {
          ...base,
          kind: 'number',
          integer: schema.type === 'integer',
          min: typeof schema.minimum === 'number' ? schema.minimum : undefined,
          max: typeof schema.maximum === 'number' ? schema.maximum : undefined,
          initial: typeof fallback === 'number' ? fallback : '',
        };
      case 'boolean':
        return { ...base, kind: 'boolean', initial: fallback === true };
      default:
        return { ...base, kind: 'json', initial: fallback === undefined ? '' : JSON.stringify(fallback, null, 2) };
    }
  });
}

export const initialValues = (fields: InputField[]): Record<string, InputValue> =>
  Object.fromEntries(fields.map((field) => [field.name, field.initial]));

/**
 * The run's `inputs` from the form: an empty optional field is left out (the pipeline's default
 * applies), a boolean is always sent as shown; an empty required field and JSON that does not
 * parse are problems of their fields, found before asking the API.
 */
export function runInputs(
  fields: InputField[],
  values: Record<string, InputValue>,
): { inputs: Record<string, unknown>; problems: Record<string, string> } {
  const inputs: Record<string, unknown> = {};
  const problems: Record<string, string> = {};
  for (const field of fields) {
    const value = values[field.name];
    if (field.kind === 'boolean') inputs[field.name] = value === true;
    else if (value === null || value === '') {
      if (field.required) problems[field.name] = 'Required';
    } else if (field.kind === 'choice') inputs[field.name] = field.choices[Number(value)];
    else if (field.kind === 'json') {
      try {
        inputs[field.name] = JSON.parse(String(value));
      } catch {
        problems[field.name] = 'Not valid JSON';
      }
    } else inputs[field.name] = value;
  }
  return { inputs, problems };
}
