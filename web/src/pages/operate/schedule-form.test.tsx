import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import { problem } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { ScheduleForm } from './schedule-form';

const SAVED = {
  id: '6f1c1f57-0000-4000-8000-000000000001',
  pipeline: 'daily-sales',
  cron: '30 2 * * *',
  every: null,
  timezone: 'Europe/Berlin',
  inputs: {},
  overlap: 'skip',
  catchupWindow: null,
  jitter: null,
  paused: false,
  startAt: null,
  endAt: null,
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

function answerPipelines() {
  server.use(
    http.get('*/v1/pipelines', () =>
      HttpResponse.json({
        items: ['daily-sales', 'hourly-sync'].map((name, i) => ({
          id: `00000000-0000-4000-8000-00000000000${i}`,
          name,
          latestVersion: 1,
          createdAt: '2026-01-01T00:00:00Z',
          updatedAt: '2026-01-01T00:00:00Z',
        })),
        nextCursor: null,
      }),
    ),
  );
}

function recordCreates(answer: () => Response = () => HttpResponse.json(SAVED, { status: 201 })) {
  const bodies: unknown[] = [];
  server.use(
    http.post('*/v1/schedules', async ({ request }) => {
      bodies.push(await request.json());
      return answer();
    }),
  );
  return bodies;
}

async function choose(user: ReturnType<typeof userEvent.setup>, label: RegExp, option: string | RegExp, typed?: string) {
  const input = screen.getByRole('combobox', { name: label });
  await user.click(input);
  if (typed) await user.paste(typed);
  await user.click(await screen.findByRole('option', { name: option, hidden: true }));
}

describe('ScheduleForm', { timeout: 30_000 }, () => {
  it('sends a cron schedule in the chosen time zone, with its inputs and overlap policy', async () => {
    answerPipelines();
    const bodies = recordCreates();
    const onSaved = vi.fn();
    renderWidget(<ScheduleForm onSaved={onSaved} />);
    const user = userEvent.setup({ delay: null });
    await screen.findByRole('combobox', { name: /pipeline/i });
    await choose(user, /^pipeline/i, 'daily-sales');
    await user.type(screen.getByRole('textbox', { name: /cron expression/i }), '30 2 * * *');
    await user.clear(screen.getByRole('combobox', { name: /time zone/i }));
    await choose(user, /time zone/i, 'Europe/Berlin', 'Europe/Berl');
    await choose(user, /previous run is still going/i, /^Buffer one/);
    const inputs = screen.getByRole('textbox', { name: /inputs/i });
    await user.clear(inputs);
    await user.click(inputs);
    await user.paste('{ "day": "2026-01-01" }');
    await user.click(screen.getByRole('button', { name: 'Create schedule' }));

    await waitFor(() => expect(onSaved).toHaveBeenCalled());
    expect(bodies).toEqual([
      {
        pipeline: 'daily-sales',
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        inputs: { day: '2026-01-01' },
        overlap: 'buffer_one',
        paused: false,
      },
    ]);
  });

  it('sends `every` and no `cron` for a fixed interval', async () => {
    answerPipelines();
    const bodies = recordCreates();
    renderWidget(<ScheduleForm onSaved={() => undefined} />);
    const user = userEvent.setup({ delay: null });
    await screen.findByRole('combobox', { name: /pipeline/i });
    await choose(user, /^pipeline/i, 'hourly-sync');
    await user.click(screen.getByText('Fixed interval'));
    expect(screen.queryByRole('textbox', { name: /cron expression/i })).not.toBeInTheDocument();
    await user.type(screen.getByRole('textbox', { name: /interval/i }), '15m');
    await user.type(screen.getByRole('textbox', { name: /jitter/i }), '30s');
    await user.click(screen.getByRole('button', { name: 'Create schedule' }));

    await waitFor(() => expect(bodies).toHaveLength(1));
    expect(bodies[0]).toMatchObject({ pipeline: 'hourly-sync', every: '15m', jitter: '30s', overlap: 'skip' });
    expect(bodies[0]).not.toHaveProperty('cron');
    expect(bodies[0]).toHaveProperty('timezone');
  });

  it("shows the API's field problem at the control it is about, and the problem's detail", async () => {
    answerPipelines();
    recordCreates(() =>
      problem(422, 'invalid_schedule', 'The schedule has 1 problem(s)', [{ path: 'cron', message: 'Temporal cannot read `61 * * * *`' }]),
    );
    renderWidget(<ScheduleForm onSaved={() => undefined} />);
    const user = userEvent.setup({ delay: null });
    await screen.findByRole('combobox', { name: /pipeline/i });
    await choose(user, /^pipeline/i, 'daily-sales');
    await user.type(screen.getByRole('textbox', { name: /cron expression/i }), '61 * * * *');
    await user.click(screen.getByRole('button', { name: 'Create schedule' }));

    const cron = screen.getByRole('textbox', { name: /cron expression/i });
    await waitFor(() => expect(cron).toHaveAttribute('aria-invalid', 'true'));
    expect(cron).toHaveAccessibleDescription(expect.stringContaining('Temporal cannot read `61 * * * *`'));
    expect(screen.getByRole('combobox', { name: /time zone/i })).not.toHaveAttribute('aria-invalid', 'true');
    expect(screen.getByRole('alert')).toHaveTextContent('The schedule has 1 problem(s)');
  });

  it('refuses inputs that are not a JSON object without calling the API', async () => {
    answerPipelines();
    const bodies = recordCreates();
    renderWidget(<ScheduleForm onSaved={() => undefined} />);
    const user = userEvent.setup({ delay: null });
    await screen.findByRole('combobox', { name: /pipeline/i });
    await choose(user, /^pipeline/i, 'daily-sales');
    await user.type(screen.getByRole('textbox', { name: /cron expression/i }), '@daily');
    const inputs = screen.getByRole('textbox', { name: /inputs/i });
    await user.clear(inputs);
    await user.click(inputs);
    await user.paste('[1, 2]');
    await user.click(screen.getByRole('button', { name: 'Create schedule' }));

    expect(await screen.findByText(/must be a JSON object/)).toBeInTheDocument();
    expect(inputs).toHaveAttribute('aria-invalid', 'true');
    expect(bodies).toEqual([]);
  });
});
