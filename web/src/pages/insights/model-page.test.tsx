import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it, vi } from 'vitest';
import type { Role } from '../../auth/use-me';
import { problem, signedInAs } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import {
  compareMetrics,
  comparisonChartRows,
  pickChallenger,
  tally,
  type ModelComparison,
  type ModelDetail,
  type ModelVersion,
} from './model-compare';
import { ModelView } from './model-page';

vi.setConfig({ testTimeout: 20_000 });

vi.mock('../../components/insights-bar-chart', () => ({
  InsightsBarChart: ({ data }: { data: object[] }) => <output aria-label="comparison chart">{JSON.stringify(data)}</output>,
}));

const RUN = '44444444-4444-4444-8444-444444444444';

const version = (n: number, stage: ModelVersion['stage'], metrics: Record<string, unknown>): ModelVersion => ({
  version: n,
  stage,
  metrics,
  params: {},
  dataset: null,
  algorithm: 'random_forest_classifier',
  task: 'classification',
  run: { id: RUN, stepId: 'register' },
  artifact: `models/iris/v${n}.json`,
  createdAt: '2025-01-0' + n + 'T00:00:00.000Z',
});

const v1 = version(1, 'archived', { accuracy: 0.8 });
const v2 = version(2, 'production', { accuracy: 0.93, f1: 0.9, rmse: 0.4, note: 'baseline' });
const v3 = version(3, 'none', { accuracy: 0.91, f1: 0.92, rmse: 0.3 });

const verdict = (challenger: number, champion: number, decision: 'promote' | 'keep', at: string): ModelComparison => ({
  at,
  metric: 'accuracy',
  margin: 0.02,
  decision,
  promoted: decision === 'promote',
  champion: { version: champion, score: champion === 2 ? 0.93 : 0.8 },
  challenger: { version: challenger, artifact: `models/iris/v${challenger}.json`, score: challenger === 3 ? 0.91 : 0.93 },
  run: { id: RUN, stepId: 'compare' },
});
const keepV3 = verdict(3, 2, 'keep', '2025-01-03T00:00:00.000Z');
const promoteV2 = verdict(2, 1, 'promote', '2025-01-02T00:00:00.000Z');

const detail: ModelDetail = {
  name: 'iris',
  createdAt: '2025-01-01T00:00:00.000Z',
  productionVersion: v2,
  latestVersion: v3,
  lastComparison: keepV3,
  history: [
    {
      at: '2025-01-02T00:00:00.000Z',
      version: 2,
      from: 'none',
      to: 'production',
      reason: 'promote',
      actor: { kind: 'step', id: null },
      run: { id: RUN, stepId: 'compare' },
      comment: null,
    },
  ],
};

const serveModel = (role: Role) =>
  server.use(
    signedInAs(role),
    http.get('*/v1/models/iris', () => HttpResponse.json(detail)),
    http.get('*/v1/models/iris/versions', () => HttpResponse.json({ items: [v3, v2, v1], nextCursor: null })),
    http.get('*/v1/models/iris/comparisons', ({ request }) => {
      const version = new URL(request.url).searchParams.get('version');
      const items = [keepV3, promoteV2].filter((v) => !version || [v.challenger.version, v.champion?.version].includes(Number(version)));
      return HttpResponse.json({ items: items.slice(0, version ? 1 : undefined), nextCursor: null });
    }),
  );

describe('champion against challenger', () => {
  it('says per metric which version is better, lower being better for errors', () => {
    const rows = compareMetrics(v2.metrics, v3.metrics);
    expect(rows).toEqual([
      { metric: 'accuracy', champion: 0.93, challenger: 0.91, better: 'champion' },
      { metric: 'f1', champion: 0.9, challenger: 0.92, better: 'challenger' },
      { metric: 'rmse', champion: 0.4, challenger: 0.3, better: 'challenger' },
    ]);
    expect(tally(rows)).toEqual({ challengerWins: 2, championWins: 1, compared: 3 });
    expect(compareMetrics(null, { accuracy: 0.5 })).toEqual([{ metric: 'accuracy', champion: null, challenger: 0.5, better: null }]);
    expect(comparisonChartRows(compareMetrics({ a: 1, b: 2 }, { b: 3 }))).toEqual([{ metric: 'b', champion: 2, challenger: 3 }]);
  });

  it('holds the asked-for version against the champion, else the newest one not in production', () => {
    expect(pickChallenger([v3, v2, v1])?.version).toBe(3);
    expect(pickChallenger([v3, v2, v1], 1)?.version).toBe(1);
    expect(pickChallenger([v2], 9)).toBeUndefined();
  });
});

describe(ModelView.name, () => {
  it("shows why the API refused a promotion, and the metrics it compared, next to the operator's promote action", async () => {
    serveModel('operator');
    const bodies: unknown[] = [];
    server.use(
      http.post('*/v1/models/iris/versions/3/promote', async ({ request }) => {
        bodies.push(await request.json());
        return problem(409, 'promotion_refused', 'v3 does not beat production v2 on accuracy (0.91 < 0.93)', undefined, {
          metric: 'accuracy',
          champion: { version: 2, score: 0.93 },
          challenger: { version: 3, score: 0.91 },
        });
      }),
    );
    renderWidget(<ModelView name="iris" onChallenger={() => undefined} />);
    const user = userEvent.setup();
    await user.click(await screen.findByRole('button', { name: 'Promote v3' }));
    const dialog = await screen.findByRole('dialog', { name: 'Promote iris v3' });
    // ...and what the guard step last decided about this version.
    expect(await within(dialog).findByRole('region', { name: "The guard's last verdict on v3" })).toHaveTextContent(
      "v3 scored 0.91 on accuracy against production v2's 0.93 (margin 0.02): the guard kept it out of production.",
    );
    // Before acting, the operator sees the candidate against the champion it would replace.
    expect(within(dialog).getByRole('row', { name: /accuracy/ })).toHaveTextContent('worse');
    expect(within(dialog).getByRole('row', { name: /rmse/ })).toHaveTextContent('better');
    await user.type(within(dialog).getByLabelText(/comment/i), 'better f1');
    await user.click(within(dialog).getByRole('button', { name: 'Move to production' }));

    expect(await within(dialog).findByRole('alert')).toHaveTextContent('v3 does not beat production v2 on accuracy (0.91 < 0.93)');
    const facts = within(dialog).getByRole('list', { name: 'Details of the refusal' });
    expect(facts).toHaveTextContent('metric: accuracy');
    expect(facts).toHaveTextContent('"score": 0.93');
    expect(bodies).toEqual([{ stage: 'production', comment: 'better f1' }]);
  });

  it('charts the champion against the challenger and leaves the actions out for a viewer', async () => {
    serveModel('viewer');
    renderWidget(<ModelView name="iris" challenger={1} onChallenger={() => undefined} />);
    const chart = await screen.findByLabelText('comparison chart');
    expect(JSON.parse(chart.textContent)).toEqual([{ metric: 'accuracy', champion: 0.93, challenger: 0.8 }]);
    expect(screen.getByText(/need the operator role/)).toBeInTheDocument();
    await waitFor(() => expect(screen.queryByRole('button', { name: /promote/i })).not.toBeInTheDocument());
    expect(screen.queryByRole('button', { name: /roll back/i })).not.toBeInTheDocument();
    expect(screen.getByRole('row', { name: /none → production/ })).toHaveTextContent('promote');
  });

  it("shows the guard's newest verdict and every verdict with the step that reached it", async () => {
    serveModel('viewer');
    renderWidget(<ModelView name="iris" onChallenger={() => undefined} />);
    expect(await screen.findByRole('region', { name: "The guard's newest verdict" })).toHaveTextContent(/keep.*kept it out of production/);
    const table = await screen.findByRole('table', { name: 'Guard verdicts' });
    const rows = within(table).getAllByRole('row').slice(1);
    expect(rows.map((row) => row.textContent)).toEqual([
      expect.stringMatching(/v3: 0\.91.*v2: 0\.93.*accuracy \(margin 0\.02\).*keep.*step compare of run 44444444/),
      expect.stringMatching(/v2: 0\.93.*v1: 0\.8.*promote.*promoted/),
    ]);
    expect(within(rows[0]).getByRole('link', { name: /step compare/ })).toHaveAttribute('href', `/runs/${RUN}?step=compare`);
  });
});
