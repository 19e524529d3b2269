import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { useRouterState } from '@tanstack/react-router';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import readme from '../../../../README.md?raw';
import { problem, signedInAs } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { NewPipelinePage } from './pipeline-editor-page';
import { PipelinesPage } from './pipelines-page';
import { HELLO_PIPELINE_YAML } from './starter-definitions';

function Location() {
  return <output aria-label="location">{useRouterState({ select: (state) => state.location.href })}</output>;
}

const plan = {
  valid: true,
  plan: {
    steps: [
      { id: 'greet', needs: [] },
      { id: 'shout', needs: ['greet'] },
    ],
    order: ['greet', 'shout'],
  },
};

describe('the first pipeline', () => {
  it("is README's hello example, verbatim", () => {
    const block = /<<'YAML'\n([\s\S]*?\n)YAML\n/.exec(readme)?.[1];
    expect(HELLO_PIPELINE_YAML).toBe(block);
  });

  it('is offered by the empty list of a new tenant, explaining what a pipeline is', async () => {
    server.use(
      signedInAs('owner'),
      http.get('*/v1/pipelines', () => HttpResponse.json({ items: [], nextCursor: null })),
      http.get('*/v1/observability/summary', () =>
        HttpResponse.json({ window: '7d', since: '2026-01-01T00:00:00Z', pipeline: null, items: [] }),
      ),
    );
    renderWidget(
      <>
        <PipelinesPage />
        <Location />
      </>,
      '/pipelines',
    );
    expect(await screen.findByRole('heading', { name: 'What is a pipeline?' })).toBeInTheDocument();
    await userEvent.click(screen.getByRole('button', { name: 'Create your first pipeline' }));
    await waitFor(() => expect(screen.getByRole('status', { name: 'location' })).toHaveTextContent('/pipelines/new?example=hello'));
  });

  it('opens in the editor as the hello example, is checked as YAML, and saves as hello', async () => {
    const checked: { type: string | null; body: string }[] = [];
    const saved: string[] = [];
    server.use(
      signedInAs('owner'),
      http.post('*/v1/pipelines/validate', async ({ request }) => {
        checked.push({ type: request.headers.get('content-type'), body: await request.text() });
        return HttpResponse.json(plan);
      }),
      http.put('*/v1/pipelines/hello', async ({ request }) => {
        saved.push(await request.text());
        const body = { name: 'hello', version: 1, checksum: 'c', definition: {}, pins: {}, createdAt: '2026-01-01T00:00:00Z' };
        return HttpResponse.json(body, { status: 201 });
      }),
    );
    renderWidget(
      <>
        <NewPipelinePage />
        <Location />
      </>,
      '/pipelines/new?example=hello',
    );
    expect(await screen.findByText(/Valid · 2 steps/, {}, { timeout: 4_000 })).toBeInTheDocument();
    expect(checked).toEqual([{ type: 'application/yaml', body: HELLO_PIPELINE_YAML }]);
    await userEvent.click(screen.getByRole('button', { name: 'Save hello' }));
    await waitFor(() => expect(screen.getByRole('status', { name: 'location' })).toHaveTextContent(/^\/pipelines\/hello$/));
    expect(saved).toEqual([HELLO_PIPELINE_YAML]);
  });

  const unknownPlugin = () =>
    problem(422, 'invalid_definition', 'The pipeline definition has 1 problem(s)', [
      { path: 'steps.shout.uses', message: 'The plugin `transform` is not enabled', line: 7, column: 18 },
    ]);

  it("shows the API's problems at their lines in the editor and in the list under it", async () => {
    server.use(signedInAs('owner'), http.post('*/v1/pipelines/validate', unknownPlugin));
    const { container } = renderWidget(<NewPipelinePage />, '/pipelines/new?example=hello');
    expect(await screen.findByText('1 problem', {}, { timeout: 4_000 })).toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Line 7' })).toBeInTheDocument();
    expect(screen.getByText(/The plugin `transform` is not enabled/)).toBeInTheDocument();
    await waitFor(() => expect(container.querySelector('.cm-lintRange-error')).toHaveTextContent('transform/jsonata@^1'));
  });

  it('shows the problems of a refused save the same way', async () => {
    server.use(
      signedInAs('owner'),
      http.post('*/v1/pipelines/validate', () => HttpResponse.json(plan)),
      http.put('*/v1/pipelines/hello', unknownPlugin),
    );
    const { container } = renderWidget(<NewPipelinePage />, '/pipelines/new?example=hello');
    await userEvent.click(await screen.findByRole('button', { name: 'Save hello' }));
    expect(await screen.findByRole('button', { name: 'Line 7' })).toBeInTheDocument();
    await waitFor(() => expect(container.querySelector('.cm-lintRange-error')).toHaveTextContent('transform/jsonata@^1'));
  });

  it('explains why a viewer cannot save', async () => {
    server.use(
      signedInAs('viewer'),
      http.post('*/v1/pipelines/validate', () => HttpResponse.json(plan)),
    );
    renderWidget(<NewPipelinePage />, '/pipelines/new?example=hello');
    await waitFor(() => expect(screen.getByRole('button', { name: 'Save hello' })).toHaveAttribute('aria-disabled', 'true'));
    expect(screen.getByRole('button', { name: 'Save hello' })).toHaveAccessibleDescription(
      'Saving pipelines needs the operator role; yours is viewer.',
    );
  });
});
