import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { http, HttpResponse } from 'msw';
import { describe, expect, it } from 'vitest';
import { problem, signedInAs } from '../../test-support/api-answers';
import { server } from '../../test-support/msw-server';
import { renderWidget } from '../../test-support/render';
import { ssoBody, SsoPage } from './sso-page';

const saved = {
  slug: 'acme',
  issuer: 'https://login.example.com',
  clientId: 'baton',
  clientSecretSet: true,
  scopes: ['openid', 'email', 'profile'],
  groupsClaim: 'groups',
  roleMapping: { 'data-eng': 'operator', platform: 'admin' },
  defaultRole: null,
  allowedDomains: ['example.com'],
  passwordLogin: true,
  redirectUri: 'https://baton.example.com/v1/auth/sso/callback',
  loginUrl: 'https://baton.example.com/v1/auth/sso/acme/login',
  createdAt: '2026-01-01T00:00:00Z',
  updatedAt: '2026-01-01T00:00:00Z',
};

describe('SsoPage', { timeout: 30_000 }, () => {
  it('sets single sign-on up from nothing, the mapping written one group per line, and shows a refused issuer at its field', async () => {
    const bodies: unknown[] = [];
    server.use(
      signedInAs('owner'),
      http.get('*/v1/tenant/sso', () => problem(404, 'sso_not_configured', 'Single sign-on is not set up')),
      http.put('*/v1/tenant/sso', async ({ request }) => {
        bodies.push(await request.json());
        return problem(422, 'issuer_refused', 'The issuer may not be called', [
          { path: 'issuer', message: 'Not a public address: 10.0.0.1' },
        ]);
      }),
    );
    renderWidget(<SsoPage />);
    const user = userEvent.setup({ delay: null });
    await user.type(await screen.findByLabelText(/^Slug/), 'acme');
    await user.type(screen.getByLabelText(/^Issuer/), 'https://10.0.0.1');
    await user.type(screen.getByLabelText(/^Client ID/), 'baton');
    await user.type(screen.getByLabelText(/^Client secret/), 's3cret');
    await user.type(screen.getByLabelText(/Groups → roles/), 'data-eng = operator\nplatform = admin');
    await user.click(screen.getByRole('button', { name: 'Set up single sign-on' }));

    expect(await screen.findByText('Not a public address: 10.0.0.1')).toBeInTheDocument();
    expect(bodies).toEqual([
      {
        slug: 'acme',
        issuer: 'https://10.0.0.1',
        clientId: 'baton',
        clientSecret: 's3cret',
        scopes: ['openid', 'email', 'profile'],
        groupsClaim: 'groups',
        roleMapping: { 'data-eng': 'operator', platform: 'admin' },
        defaultRole: null,
        allowedDomains: [],
        passwordLogin: true,
      },
    ]);
  });

  it('edits saved settings without sending the secret again, and shows what to register at the provider', async () => {
    const bodies: Array<Record<string, unknown>> = [];
    server.use(
      signedInAs('owner'),
      http.get('*/v1/tenant/sso', () => HttpResponse.json(saved)),
      http.put('*/v1/tenant/sso', async ({ request }) => {
        bodies.push((await request.json()) as Record<string, unknown>);
        return HttpResponse.json({ ...saved, passwordLogin: false });
      }),
    );
    renderWidget(<SsoPage />);
    const user = userEvent.setup({ delay: null });
    expect(await screen.findByText(saved.redirectUri)).toBeInTheDocument();
    expect(screen.getByLabelText(/Groups → roles/)).toHaveValue('data-eng = operator\nplatform = admin');
    await user.click(screen.getByRole('switch', { name: /Password sign-in/ }));
    await user.click(screen.getByRole('button', { name: 'Save changes' }));
    await waitFor(() => expect(bodies).toHaveLength(1));
    expect(bodies[0]).not.toHaveProperty('clientSecret');
    expect(bodies[0]).toMatchObject({ passwordLogin: false, allowedDomains: ['example.com'] });
  });

  it('keeps it from anyone but an owner', async () => {
    server.use(signedInAs('admin'));
    renderWidget(<SsoPage />);
    expect(await screen.findByText(/set up by the tenant's owners; yours is admin/)).toBeInTheDocument();
  });

  it('reads a mapping line by line, leaving out blank ones', () => {
    const body = ssoBody({
      slug: 'a',
      issuer: 'https://i',
      clientId: 'c',
      clientSecret: '',
      scopes: 'openid  email',
      groupsClaim: 'groups',
      roleMapping: 'ops = operator\n\n viewers = viewer ',
      defaultRole: 'viewer',
      allowedDomains: 'example.com, example.org',
      passwordLogin: true,
    });
    expect(body).toMatchObject({
      scopes: ['openid', 'email'],
      roleMapping: { ops: 'operator', viewers: 'viewer' },
      defaultRole: 'viewer',
      allowedDomains: ['example.com', 'example.org'],
    });
    expect(body).not.toHaveProperty('clientSecret');
  });
});
