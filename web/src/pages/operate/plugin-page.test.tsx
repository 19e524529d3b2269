import { screen, waitFor, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { problem, signedInAs } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderRoute } from '../../test-support/render';
import { PluginPage } from './plugin-page';

const plugin = {
  name: 'warehouse',
  publisher: 'acme-data',
  verified: false,
  enabled: true,
  approved: { egress: ['api.a.example'], secrets: [], network: [] },
  networkEndpoints: [],
  latestVersion: '1.1.0',
  versions: [
    { version: '1.1.0', digest: 'sha256:b', yanked: false, publishedAt: '2026-02-01T00:00:00Z' },
    { version: '1.0.0', digest: 'sha256:a', yanked: false, publishedAt: '2026-01-01T00:00:00Z' },
  ],
  steps: [
    {
      id: 'load',
      title: 'Load rows',
      description: 'Loads rows into the warehouse',
      inputSchema: {},
      outputSchema: {},
      secrets: [],
      egress: [],
    },
  ],
};
const permissions: Record<string, { egress: string[]; secrets: string[]; network: string[] }> = {
  '1.1.0': { egress: ['api.a.example', 'api.b.example'], secrets: ['WAREHOUSE_TOKEN'], network: [] },
  '1.0.0': { egress: ['api.a.example'], secrets: [], network: [] },
};

function answerPlugin(enable: (body: unknown) => Response) {
  const bodies: unknown[] = [];
  server.use(
    http.get('*/v1/plugins/:name', () => HttpResponse.json(plugin)),
    http.get('*/v1/plugins/:name/versions/:version', ({ params }) =>
      HttpResponse.json({
        name: 'warehouse',
        version: params.version,
        digest: 'sha256:x',
        publisher: 'acme-data',
        verified: false,
        keyId: 'ed25519:00000000000000000000000000000000',
        yanked: false,
        publishedAt: '2026-01-01T00:00:00Z',
        permissions: permissions[params.version as string],
        steps: [],
        manifest: {},
        signature: { algorithm: 'ed25519', keyId: 'ed25519:00000000000000000000000000000000', signature: 'c2ln' },
      }),
    ),
    http.get('*/v1/secrets', () =>
      HttpResponse.json({ items: [{ name: 'pg-password', version: 1, createdAt: '', updatedAt: '' }], nextCursor: null }),
    ),
    http.post('*/v1/plugins/:name/enable', async ({ request }) => {
      const body = await request.json();
      bodies.push(body);
      return enable(body);
    }),
  );
  return bodies;
}

async function openApproval(user: ReturnType<typeof userEvent.setup>) {
  const row = (await screen.findByRole('cell', { name: '1.1.0' })).closest('tr')!;
  expect(await within(row).findByText('needs approval')).toBeInTheDocument();
  const older = screen.getByRole('cell', { name: '1.0.0' }).closest('tr')!;
  expect(within(older).getByText('usable')).toBeInTheDocument();
  expect(within(older).queryByRole('button')).not.toBeInTheDocument();
  await user.click(within(row).getByRole('button', { name: 'Approve' }));
  return screen.findByRole('dialog');
}

describe('PluginPage', { timeout: 30_000 }, () => {
  it('approves what a version asks for beyond earlier approvals, with the tenant secrets named', async () => {
    server.use(signedInAs('admin'));
    const bodies = answerPlugin(() =>
      HttpResponse.json({ name: 'warehouse', enabled: true, approved: permissions['1.1.0'], networkEndpoints: [] }),
    );
    renderRoute('/plugins/$name', PluginPage, '/plugins/warehouse');
    const user = userEvent.setup({ delay: null });
    const dialog = await openApproval(user);

    const added = within(dialog).getByText('Not approved before').nextElementSibling as HTMLElement;
    expect(added).toHaveTextContent('api.b.example');
    expect(added).toHaveTextContent('WAREHOUSE_TOKEN');
    expect(added).not.toHaveTextContent('api.a.example');
    await user.type(within(dialog).getByRole('combobox', { name: /tenant secrets it may receive/i }), 'pg-password{Enter}');
    await user.click(within(dialog).getByRole('button', { name: 'Approve' }));

    await waitFor(() => expect(bodies).toEqual([{ version: '1.1.0', secrets: ['pg-password'] }]));
    await waitFor(() => expect(screen.queryByRole('dialog')).not.toBeInTheDocument());
  });

  it('shows a refused secret at the secrets control', async () => {
    server.use(signedInAs('owner'));
    answerPlugin(() =>
      problem(422, 'invalid_input', 'The request has 1 problem(s)', [{ path: 'secrets.0', message: 'Must match [A-Za-z0-9_.-]{1,128}' }]),
    );
    renderRoute('/plugins/$name', PluginPage, '/plugins/warehouse');
    const user = userEvent.setup({ delay: null });
    const dialog = await openApproval(user);
    const secrets = within(dialog).getByRole('combobox', { name: /tenant secrets it may receive/i });
    await user.type(secrets, 'bad name{Enter}');
    await user.click(within(dialog).getByRole('button', { name: 'Approve' }));

    await waitFor(() => expect(secrets).toHaveAttribute('aria-invalid', 'true'));
    expect(secrets).toHaveAccessibleDescription(expect.stringContaining('Must match [A-Za-z0-9_.-]{1,128}'));
    expect(within(dialog).getByRole('alert')).toHaveTextContent('The request has 1 problem(s)');
  });

  it('offers no approval to a role below admin, and says why', async () => {
    server.use(signedInAs('operator'));
    answerPlugin(() => HttpResponse.json({}));
    renderRoute('/plugins/$name', PluginPage, '/plugins/warehouse');
    expect(await screen.findByText(/Enabling and approving plugins needs the admin role; yours is operator\./)).toBeInTheDocument();
    expect(await screen.findByText('needs approval')).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Approve' })).not.toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Disable' })).not.toBeInTheDocument();
  });
});
