import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { useState } from 'react';
import { describe, expect, it } from 'vitest';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { standInForLayout } from './layout-stand-in';
import { appendLines, searchLines, toLogLine, type LogLine } from './log-lines';
import { RunLogs } from './run-logs';

const RUN = '5d3c1f0e-8a3b-4c55-9a57-0c9f1e2b7a10';
const logEvent = (id: number, stepId: string, message: string, extra: Record<string, unknown> = {}) => ({
  id,
  type: 'step.log',
  stepId,
  at: '2025-05-01T10:00:00.000Z',
  attempt: 1,
  level: 'info',
  message,
  ...extra,
});
const line = (id: number, message: string, extra: Partial<LogLine> = {}): LogLine => ({
  id,
  at: '2025-05-01T10:00:00.000Z',
  stepId: 'extract',
  level: 'info',
  message,
  ...extra,
});

function LogsOfEndedRun() {
  const [step, setStep] = useState<string | null>(null);
  return <RunLogs runId={RUN} active={false} steps={['extract', 'load']} step={step} onStepChange={setStep} />;
}

describe('RunLogs', () => {
  standInForLayout();

  it("reads the chosen step's lines from the API and filters them by the words searched", async () => {
    const asked: (string | null)[] = [];
    server.use(
      http.get(`*/v1/runs/${RUN}/logs`, ({ request }) => {
        const step = new URL(request.url).searchParams.get('step');
        asked.push(step);
        const items =
          step === 'load'
            ? [logEvent(7, 'load', 'copied 120 rows'), logEvent(9, 'load', 'Vacuum done', { fields: { table: 'orders' } })]
            : [logEvent(1, 'extract', 'connecting'), logEvent(7, 'load', 'copied 120 rows')];
        return HttpResponse.json({ items, nextCursor: null });
      }),
    );
    renderWidget(<LogsOfEndedRun />);
    const user = userEvent.setup();
    // The list is drawn anew when another step's lines load: look it up each time.
    const log = () => within(screen.getByRole('log'));
    await waitFor(() => expect(log().getByText('connecting')).toBeInTheDocument(), { timeout: 5_000 });

    await user.click(screen.getByRole('combobox', { name: 'Step' }));
    await user.click(await screen.findByRole('option', { name: 'load', hidden: true }));
    await waitFor(() => expect(log().getByText(/Vacuum done/)).toBeInTheDocument());
    expect(log().queryByText('connecting')).not.toBeInTheDocument();
    expect(asked).toEqual([null, 'load']);

    await user.type(screen.getByRole('searchbox', { name: 'Search the lines' }), 'ORDERS');
    expect(log().queryByText('copied 120 rows')).not.toBeInTheDocument();
    expect(log().getByText(/Vacuum done/)).toBeInTheDocument();
    expect(screen.getByText('1 of 2 lines match')).toBeInTheDocument();
  });
});

describe('log lines', () => {
  it('keeps only step.log events, with their fields', () => {
    expect(toLogLine({ id: 3, type: 'step.started', stepId: 'a', at: 'x' })).toBeNull();
    expect(
      toLogLine({ id: 4, type: 'step.log', stepId: 'a', at: 'x', level: 'warn', message: 'slow', item: 2, fields: { ms: 900 } }),
    ).toEqual({
      id: 4,
      at: 'x',
      stepId: 'a',
      item: 2,
      attempt: undefined,
      level: 'warn',
      message: 'slow',
      fields: { ms: 900 },
    });
  });

  it('finds lines having every word searched, in any case, in message, step, level or fields', () => {
    const lines = [
      line(1, 'Connected to db'),
      line(2, 'retrying', { level: 'warn', fields: { host: 'db-2' } }),
      line(3, 'done', { stepId: 'load' }),
    ];
    expect(searchLines(lines, '').map((l) => l.id)).toEqual([1, 2, 3]);
    expect(searchLines(lines, 'DB').map((l) => l.id)).toEqual([1, 2]);
    expect(searchLines(lines, 'warn db-2').map((l) => l.id)).toEqual([2]);
    expect(searchLines(lines, 'load').map((l) => l.id)).toEqual([3]);
  });

  it('appends live lines once each and keeps the last ones within the limit', () => {
    const shown = [line(1, 'a'), line(2, 'b')];
    expect(appendLines(shown, [line(2, 'b'), line(3, 'c')], 10).map((l) => l.id)).toEqual([1, 2, 3]);
    expect(appendLines(shown, [line(3, 'c'), line(4, 'd')], 3).map((l) => l.id)).toEqual([2, 3, 4]);
    expect(appendLines(shown, [line(1, 'a')], 10)).toBe(shown);
  });
});
