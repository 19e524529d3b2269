import { JsonInput, NumberInput, Select, Stack, Switch, Text, TextInput } from '@mantine/core';
import type { InputField, InputValue } from './pipelines-input-fields';

interface InputsFieldsProps {
  fields: InputField[];
  values: Record<string, InputValue>;
  onChange: (name: string, value: InputValue) => void;
  /** The problem to show at a field (the form's own check, or the API's `inputs.<name>`). */
  errorOf: (name: string) => string | undefined;
}

/** The controls for a pipeline's inputs, one per input, each as its schema says (labels, descriptions, defaults, required marks). */
export function InputsFields({ fields, values, onChange, errorOf }: InputsFieldsProps) {
  if (!fields.length) return <Text size="sm">This pipeline takes no inputs.</Text>;
  return (
    <Stack gap="sm">
      {fields.map((field) => {
        const common = { label: field.label, description: field.description, error: errorOf(field.name) };
        const value = values[field.name];
        switch (field.kind) {
          case 'text':
            return (
              <TextInput
                key={field.name}
                {...common}
                type={field.inputType}
                required={field.required}
                value={String(value ?? '')}
                onChange={(event) => onChange(field.name, event.currentTarget.value)}
              />
            );
          case 'number':
            return (
              <NumberInput
                key={field.name}
                {...common}
                required={field.required}
                allowDecimal={!field.integer}
                min={field.min}
                max={field.max}
                value={typeof value === 'number' ? value : ''}
                onChange={(next) => onChange(field.name, typeof next === 'number' ? next : '')}
              />
            );
          case 'boolean':
            return (
              <Switch
                key={field.name}
                {...common}
                checked={value === true}
                onChange={(event) => onChange(field.name, event.currentTarget.checked)}
              />
            );
          case 'choice':
            return (
              <Select
                key={field.name}
                {...common}
                required={field.required}
                data={field.options}
                value={typeof value === 'string' ? value : null}
                clearable={!field.required}
                onChange={(next) => onChange(field.name, next)}
              />
            );
          case 'json':
            return (
              <JsonInput
                key={field.name}
                {...common}
                description={[field.description, 'Written as JSON.'].filter(Boolean).join(' ')}
                required={field.required}
                autosize
                minRows={2}
                formatOnBlur
                value={String(value ?? '')}
                onChange={(next) => onChange(field.name, next)}
              />
            );
        }
      })}
    </Stack>
  );
}
