import { screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { problem, signedInAs } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { SecretsPage } from './secrets-page';

interface Secret {
  name: string;
  version: number;
  createdAt: string;
  updatedAt: string;
}

/** The secrets API as a tiny in-memory store, so a save shows up in the list the way the real one would. */
function secretsApi() {
  const store = new Map<string, Secret>();
  const puts: { name: string; body: unknown }[] = [];
  server.use(
    http.get('*/v1/secrets', () => HttpResponse.json({ items: [...store.values()], nextCursor: null })),
    http.put('*/v1/secrets/:name', async ({ params, request }) => {
      const name = String(params.name);
      const body = (await request.json()) as { value: string };
      puts.push({ name, body });
      if (body.value.length < 4)
        return problem(422, 'invalid_input', 'The request has 1 problem(s)', [{ path: 'value', message: 'Too short' }]);
      const version = (store.get(name)?.version ?? 0) + 1;
      store.set(name, { name, version, createdAt: '2026-01-01T00:00:00Z', updatedAt: '2026-01-02T00:00:00Z' });
      return HttpResponse.json(store.get(name), { status: version === 1 ? 201 : 200 });
    }),
  );
  return puts;
}

describe('SecretsPage', { timeout: 20_000 }, () => {
  it('saves a secret, clears the value from the form, lists the name only, and rotates it', async () => {
    server.use(signedInAs('admin'));
    const puts = secretsApi();
    renderWidget(<SecretsPage />);
    const user = userEvent.setup({ delay: null });
    await user.type(await screen.findByLabelText(/^name/i), 'API_TOKEN');
    await user.type(screen.getByLabelText(/^value/i), 'sk-live-1234');
    await user.click(screen.getByRole('button', { name: 'Save the secret' }));

    expect(await screen.findByRole('cell', { name: 'API_TOKEN' })).toBeInTheDocument();
    expect(screen.getByLabelText(/^value/i)).toHaveValue('');
    expect(screen.getByLabelText(/^name/i)).toHaveValue('');
    expect(screen.queryByText(/sk-live-1234/)).not.toBeInTheDocument();

    await user.click(screen.getByRole('button', { name: 'Rotate API_TOKEN' }));
    const dialog = await screen.findByRole('dialog');
    await user.type(within(dialog).getByLabelText(/new value of API_TOKEN/i), 'sk-live-5678');
    await user.click(within(dialog).getByRole('button', { name: 'Rotate' }));
    expect(await screen.findByRole('cell', { name: '2' })).toBeInTheDocument();
    expect(puts).toEqual([
      { name: 'API_TOKEN', body: { value: 'sk-live-1234' } },
      { name: 'API_TOKEN', body: { value: 'sk-live-5678' } },
    ]);
  });

  it('shows a refused value next to the value field', async () => {
    server.use(signedInAs('admin'));
    secretsApi();
    renderWidget(<SecretsPage />);
    const user = userEvent.setup({ delay: null });
    await user.type(await screen.findByLabelText(/^name/i), 'SHORT');
    const value = screen.getByLabelText(/^value/i);
    // The browser's own minLength check is what a person meets first; the API's answer is the one tested here.
    value.removeAttribute('minlength');
    await user.type(value, 'abc');
    await user.click(screen.getByRole('button', { name: 'Save the secret' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('Too short');
    expect(value).toHaveAccessibleDescription(/Too short/);
  });

  it('lets an operator read the names but not change them', async () => {
    server.use(signedInAs('operator'));
    secretsApi();
    renderWidget(<SecretsPage />);
    expect(await screen.findByText(/An admin or owner sets, rotates and deletes secrets/)).toBeInTheDocument();
    expect(screen.queryByRole('button', { name: 'Save the secret' })).not.toBeInTheDocument();
  });
});
