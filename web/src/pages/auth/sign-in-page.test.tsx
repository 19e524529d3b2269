import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { session } from '../../auth/session';
import { problem } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { safeNext, SignInPage } from './sign-in-page';

describe('SignInPage', () => {
  it("shows the problem's detail and asks for the tenant when the account's tenant is ambiguous", async () => {
    const bodies: unknown[] = [];
    server.use(
      http.post('*/v1/auth/login', async ({ request }) => {
        const body = (await request.json()) as { tenant?: string };
        bodies.push(body);
        if (!body.tenant) return problem(409, 'tenant_ambiguous', 'You belong to several tenants with this name; pass `tenant` as an id');
        return HttpResponse.json({ token: 'h.e30.s', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
      }),
    );
    renderWidget(<SignInPage />);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/e-mail/i), 'ada@example.com');
    await user.type(screen.getByLabelText(/^password/i), 'correct horse battery');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    expect(await screen.findByRole('alert')).toHaveTextContent('You belong to several tenants');
    await user.type(screen.getByLabelText(/^tenant/i), 'acme');
    await user.click(screen.getByRole('button', { name: 'Sign in' }));
    await waitFor(() => expect(session.token()).toBe('h.e30.s'));
    expect(bodies).toEqual([
      { email: 'ada@example.com', password: 'correct horse battery' },
      { email: 'ada@example.com', password: 'correct horse battery', tenant: 'acme' },
    ]);
  });

  it('sends the user back only to a path of the console', () => {
    expect(safeNext('/runs/42?step=a')).toBe('/runs/42?step=a');
    for (const elsewhere of ['https://evil.example', '//evil.example', '/\\evil.example', undefined])
      expect(safeNext(elsewhere)).toBe('/runs');
  });
});
