import { screen, waitFor } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import { describe, expect, it } from 'vitest';
import { session } from '../../auth/session';
import { renderWidget } from '../../test-support/render';
import { SsoSignInPage } from './sso-sign-in-page';

describe('SsoSignInPage', () => {
  it("sends the browser to the tenant's SSO sign-in", async () => {
    const went: string[] = [];
    renderWidget(<SsoSignInPage go={(url) => went.push(url)} />);
    const user = userEvent.setup();
    await user.type(await screen.findByLabelText(/organisation/i), 'Acme-Corp');
    await user.click(screen.getByRole('button', { name: /continue/i }));
    expect(went).toEqual(['/v1/auth/sso/acme-corp/login']);
  });

  it('shows why the API refused, from the fragment, and takes it out of the address bar', async () => {
    history.replaceState(null, '', '/sign-in/sso#error=sso_no_role&detail=None+of+your+groups+gives+a+role');
    renderWidget(<SsoSignInPage go={() => undefined} />);
    expect(await screen.findByRole('alert')).toHaveTextContent('None of your groups gives a role');
    expect(location.hash).toBe('');
    expect(session.token()).toBeUndefined();
  });

  it('starts the session the API sent in the fragment', async () => {
    const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
    history.replaceState(null, '', `/sign-in/sso#token=h.e30.s&expiresAt=${encodeURIComponent(expiresAt)}`);
    renderWidget(<SsoSignInPage go={() => undefined} />);
    await waitFor(() => expect(session.token()).toBe('h.e30.s'));
    expect(location.hash).toBe('');
  });
});
