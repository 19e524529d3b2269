import { fireEvent, screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { signedInAs } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderRoute, renderWidget } from '../../test-support/render';
import { NextFires, SchedulePage } from './schedule-page';
import { zonedToInstant } from './zoned-time';

const ID = '6f1c1f57-0000-4000-8000-000000000001';

const detail = (changes: object = {}) => ({
  id: ID,
  pipeline: 'hourly-sync',
  cron: null,
  every: '1h',
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
  nextRuns: ['2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z'],
  recentRuns: [],
  engine: { paused: false, note: 'managed by Baton [baton:0123456789abcdef0123456789abcdef]' },
  ...changes,
});

describe('NextFires', () => {
  it("shows each fire time in the schedule's zone, across a daylight-saving change", async () => {
    renderWidget(
      <NextFires schedule={{ nextRuns: ['2026-03-29T00:30:00Z', '2026-03-29T01:30:00Z'], timezone: 'Europe/Berlin', paused: false }} />,
    );
    const times = within(await screen.findByRole('list', { name: 'Next fire times' })).getAllByRole('listitem');
    expect(times[0]).toHaveTextContent('Sun 2026-03-29 01:30 GMT+1');
    expect(times[1]).toHaveTextContent('Sun 2026-03-29 03:30 GMT+2');
    expect(screen.getByText(/In Europe\/Berlin/)).toBeInTheDocument();
  });

  it('shows the same instants in another zone when the schedule is in it', async () => {
    renderWidget(<NextFires schedule={{ nextRuns: ['2026-03-29T00:30:00Z'], timezone: 'America/New_York', paused: false }} />);
    expect(await screen.findByRole('listitem')).toHaveTextContent('Sat 2026-03-28 20:30 EDT');
  });
});

describe('the backfill window', () => {
  it('reads the pickers as wall-clock times in the schedule zone', () => {
    expect(zonedToInstant('2026-03-29T00:00', 'Europe/Berlin')!.toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(zonedToInstant('2026-03-29T04:00', 'Europe/Berlin')!.toISOString()).toBe('2026-03-29T02:00:00.000Z');
  });
});

describe('SchedulePage', { timeout: 30_000 }, () => {
  it("previews a backfill with the engine's fire times, sends its window as instants and says how many runs it started", async () => {
    const backfills: unknown[] = [];
    const previews: unknown[] = [];
    const times = {
      count: 4,
      times: ['2026-03-28T23:00:00.000Z', '2026-03-29T00:00:00.000Z', '2026-03-29T01:00:00.000Z', '2026-03-29T02:00:00.000Z'],
      truncated: false,
    };
    server.use(
      signedInAs('operator'),
      http.get('*/v1/schedules/:id', () => HttpResponse.json(detail())),
      http.post('*/v1/schedules/:id/backfill/preview', async ({ request }) => {
        previews.push(await request.json());
        return HttpResponse.json(times);
      }),
      http.post('*/v1/schedules/:id/backfill', async ({ request }) => {
        backfills.push(await request.json());
        return HttpResponse.json(times, { status: 202 });
      }),
    );
    renderRoute('/schedules/$id', SchedulePage, `/schedules/${ID}`);
    const user = userEvent.setup({ delay: null });
    fireEvent.change(await screen.findByLabelText('From (Europe/Berlin)'), { target: { value: '2026-03-29T00:00' } });
    fireEvent.change(screen.getByLabelText('To (Europe/Berlin)'), { target: { value: '2026-03-29T04:00' } });

    const preview = await screen.findByLabelText('Backfill preview');
    expect(previews.at(-1)).toEqual({ from: '2026-03-28T23:00:00.000Z', to: '2026-03-29T02:00:00.000Z', overlap: 'allow_all' });
    expect(preview).toHaveTextContent('4 fire time(s) in this window, each starting a run');
    expect(
      within(preview)
        .getAllByRole('listitem')
        .map((item) => item.textContent),
    ).toEqual(['Sun 2026-03-29 00:00 GMT+1', 'Sun 2026-03-29 01:00 GMT+1', 'Sun 2026-03-29 03:00 GMT+2', 'Sun 2026-03-29 04:00 GMT+2']);
    await user.click(screen.getByRole('button', { name: 'Start backfill' }));
    const dialog = await screen.findByRole('dialog');
    expect(dialog).toHaveTextContent('This starts 4 run(s) of hourly-sync now.');
    await user.click(within(dialog).getByRole('button', { name: 'Start backfill' }));

    await waitFor(() =>
      expect(backfills).toEqual([{ from: '2026-03-28T23:00:00.000Z', to: '2026-03-29T02:00:00.000Z', overlap: 'allow_all' }]),
    );
    expect(await screen.findByText('Backfill started: 4 run(s) of hourly-sync.')).toBeInTheDocument();
  });

  it('pauses, then offers to resume', async () => {
    let paused = false;
    server.use(
      signedInAs('operator'),
      http.get('*/v1/schedules/:id', () => HttpResponse.json(detail({ paused }))),
      http.post('*/v1/schedules/:id/pause', () => {
        paused = true;
        return HttpResponse.json(detail({ paused }));
      }),
    );
    renderRoute('/schedules/$id', SchedulePage, `/schedules/${ID}`);
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole('button', { name: 'Pause' }));
    expect(await screen.findByRole('button', { name: 'Resume' })).toBeInTheDocument();
  });

  it('tells a viewer why the schedule cannot be changed', async () => {
    server.use(
      signedInAs('viewer'),
      http.get('*/v1/schedules/:id', () => HttpResponse.json(detail())),
    );
    renderRoute('/schedules/$id', SchedulePage, `/schedules/${ID}`);
    expect(await screen.findByText(/Changing schedules needs the operator role; yours is viewer\./)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Pause' })).not.toBeInTheDocument();
    expect(screen.getByRole('button', { name: 'Start backfill' })).toBeDisabled();
  });
});
