import { Anchor, Button, Stack, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useEffect, useState, type FormEvent } from 'react';
import { session } from '../../auth/session';
import { ProblemAlert } from '../../components/problem-alert';
import { AuthCard } from './auth-card';

/** What the API's SSO callback put in the fragment: a session, or why there is none. */
export interface SsoFragment {
  token?: string;
  expiresAt?: string;
  error?: string;
  detail?: string;
}

let taken: SsoFragment | undefined;

/** Read once and taken out of the address bar, so that the token lands in no history or screenshot. */
export function takeSsoFragment(): SsoFragment {
  const params = new URLSearchParams(location.hash.slice(1));
  if (params.has('token') || params.has('error')) {
    taken = Object.fromEntries(params.entries());
    history.replaceState(history.state, '', location.pathname + location.search);
  }
  return taken ?? {};
}

/** Where the browser is sent to sign in with a tenant's SSO (the API answers with a redirect to its provider). */
export const ssoLoginPath = (slug: string) => `/v1/auth/sso/${encodeURIComponent(slug.trim().toLowerCase())}/login`;

/**
 * Sign in with SSO: the tenant's SSO name, then its identity provider; the API sends the browser
 * back here with the session (or the reason for refusing) in the fragment.
 */
export function SsoSignInPage({ go = (url: string) => location.assign(url) }: { go?: (url: string) => void }) {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [slug, setSlug] = useState('');
  const [outcome] = useState(takeSsoFragment);

  useEffect(() => {
    if (!outcome.token || !outcome.expiresAt) return;
    session.start({ token: outcome.token, expiresAt: outcome.expiresAt });
    queryClient.clear();
    void navigate({ to: '/runs' });
  }, [outcome, navigate, queryClient]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    go(ssoLoginPath(slug));
  };

  return (
    <AuthCard
      title="Sign in with SSO"
      footer={
        <Anchor component={Link} to="/sign-in">
          Sign in with a password instead
        </Anchor>
      }
    >
      {outcome.error && <ProblemAlert title="Single sign-on failed" error={new Error(outcome.detail ?? outcome.error)} />}
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="Organisation"
            description="The SSO name your tenant's owner gave you"
            required
            value={slug}
            onChange={(e) => setSlug(e.currentTarget.value)}
          />
          <Button type="submit">Continue to your identity provider</Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
