import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { useRouterState } from '@tanstack/react-router';
import { describe, expect, it } from 'vitest';
import { inputFields, runInputs } from '../../components/pipelines-input-fields';
import { problem } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import type { PipelineVersion } from './pipelines-api';
import { RunPipelineForm } from './run-pipeline-modal';

const definition = {
  apiVersion: 'baton/v1',
  kind: 'Pipeline',
  name: 'daily-sales',
  inputs: {
    day: { type: 'string', format: 'date', description: 'The day to load' },
    region: { type: 'string', enum: ['eu-west', 'us-east'], default: 'eu-west' },
    batchSize: { type: 'integer', default: 500, minimum: 1 },
    dryRun: { type: 'boolean', default: true },
    who: { type: 'string', default: 'world' },
    tags: { type: 'array', items: { type: 'string' }, default: ['a'] },
  },
  required: ['day'],
  steps: { load: { uses: 'core/echo@^1' } },
};
const pipeline: PipelineVersion = {
  name: 'daily-sales',
  version: 3,
  checksum: 'abc',
  definition,
  pins: {},
  createdAt: '2026-01-01T00:00:00Z',
};

function Location() {
  return <output aria-label="location">{useRouterState({ select: (state) => state.location.href })}</output>;
}

describe('inputFields', () => {
  it('gives each input the control its schema calls for, with its label, description, default and required mark', () => {
    const fields = inputFields(definition);
    expect(fields.map((field) => [field.name, field.kind, field.required, field.initial])).toEqual([
      ['day', 'text', true, ''],
      ['region', 'choice', false, '0'],
      ['batchSize', 'number', false, 500],
      ['dryRun', 'boolean', false, true],
      ['who', 'text', false, 'world'],
      ['tags', 'json', false, '[\n  "a"\n]'],
    ]);
    expect(fields[0]).toMatchObject({ inputType: 'date', description: 'The day to load' });
    expect(fields[2]).toMatchObject({ integer: true, min: 1 });
  });

  it('leaves out empty optional fields and reports empty required ones and JSON that does not parse', () => {
    const fields = inputFields(definition);
    const { inputs, problems } = runInputs(fields, { day: '', region: null, batchSize: '', dryRun: false, who: '', tags: '[1,' });
    expect(inputs).toEqual({ dryRun: false });
    expect(problems).toEqual({ day: 'Required', tags: 'Not valid JSON' });
  });
});

describe('RunPipelineForm', () => {
  it('starts a run with the inputs as typed and opens the new run', async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post('*/v1/pipelines/daily-sales/runs', async ({ request }) => {
        bodies.push(await request.json());
        return HttpResponse.json(
          { id: '6f1c0c7e-1111-4222-8333-944444444444', status: 'queued', pipeline: 'daily-sales', version: 3 },
          { status: 202 },
        );
      }),
    );
    renderWidget(
      <>
        <RunPipelineForm pipeline={pipeline} onCancel={() => undefined} />
        <Location />
      </>,
    );
    const user = userEvent.setup();
    const day = await screen.findByLabelText(/^day/);
    expect(day).toHaveAttribute('type', 'date');
    expect(day).toBeRequired();
    expect(screen.getByText('The day to load')).toBeInTheDocument();
    expect(screen.getByLabelText('who')).toHaveValue('world');
    expect(screen.getByLabelText('batchSize')).toHaveValue('500');
    expect(screen.getByRole('switch', { name: 'dryRun' })).toBeChecked();
    expect(screen.getByRole('combobox', { name: 'region' })).toHaveValue('eu-west');

    await user.click(screen.getByRole('button', { name: 'Start run' }));
    expect(await screen.findByText('Required')).toBeInTheDocument();
    expect(bodies).toEqual([]);

    await user.type(day, '2026-03-01');
    await user.clear(screen.getByLabelText('who'));
    await user.type(screen.getByLabelText('who'), 'Ada');
    await user.click(screen.getByRole('switch', { name: 'dryRun' }));
    await user.click(screen.getByRole('combobox', { name: 'region' }));
    await user.click(await screen.findByRole('option', { name: 'us-east', hidden: true }));
    await user.click(screen.getByRole('button', { name: 'Start run' }));
    await waitFor(() => expect(bodies).toHaveLength(1));
    expect(bodies[0]).toEqual({
      inputs: { day: '2026-03-01', region: 'us-east', batchSize: 500, dryRun: false, who: 'Ada', tags: ['a'] },
    });
    await waitFor(() =>
      expect(screen.getByRole('status', { name: 'location' })).toHaveTextContent('/runs/6f1c0c7e-1111-4222-8333-944444444444'),
    );
  }, 20_000);

  it("shows the API's problem with an input at that input", async () => {
    server.use(
      http.post('*/v1/pipelines/daily-sales/runs', () =>
        problem(422, 'invalid_input', 'The inputs are not valid', [{ path: 'inputs.batchSize', message: 'Must be >= 1' }]),
      ),
    );
    renderWidget(<RunPipelineForm pipeline={pipeline} onCancel={() => undefined} />);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/^day/), '2026-03-01');
    await user.click(screen.getByRole('button', { name: 'Start run' }));
    const batchSize = screen.getByLabelText('batchSize');
    await waitFor(() => expect(batchSize).toHaveAttribute('aria-invalid', 'true'));
    expect(batchSize).toHaveAccessibleDescription(/Must be >= 1/);
    expect(screen.getByRole('alert')).toHaveTextContent('The inputs are not valid');
  });
});
