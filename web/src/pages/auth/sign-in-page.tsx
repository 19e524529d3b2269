import { Anchor, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate, useSearch } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { api, ok } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import { session } from '../../auth/session';
import { ProblemAlert } from '../../components/problem-alert';
import { AuthCard } from './auth-card';

export interface SignInSearch {
  next?: string;
  expired?: boolean;
}

/** Where `next` may send the user: a path of this console, never another origin. */
export function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/runs';
}

export function SignInPage() {
  const search: SignInSearch = useSearch({ strict: false });
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [email, setEmail] = useState(session.current()?.email ?? '');
  const [password, setPassword] = useState('');
  const [tenant, setTenant] = useState('');
  const [askTenant, setAskTenant] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const body = { email, password, ...(tenant.trim() ? { tenant: tenant.trim() } : {}) };
      const started = await ok(api.POST('/v1/auth/login', { body }));
      session.start({ token: started.token, expiresAt: started.expiresAt, email });
      queryClient.clear();
      await navigate({ to: safeNext(search.next) });
    } catch (failure) {
      if (failure instanceof ApiProblem && failure.code === 'tenant_ambiguous') setAskTenant(true);
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard
      title="Sign in"
      footer={
        <>
          New here?{' '}
          <Anchor component={Link} to="/sign-up">
            Create a tenant
          </Anchor>{' '}
          ·{' '}
          <Anchor component={Link} to="/account/forgot-password">
            Forgot your password?
          </Anchor>
        </>
      }
    >
      {search.expired && (
        <ProblemAlert title="Signed out" error={new Error('Your session ended: sign in again to go back where you were.')} />
      )}
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <TextInput
            label="E-mail"
            type="email"
            autoComplete="username"
            required
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
          />
          <PasswordInput
            label="Password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
          {askTenant && (
            <TextInput
              label="Tenant"
              description="The tenant's name or id; empty for the first tenant you joined"
              value={tenant}
              onChange={(e) => setTenant(e.currentTarget.value)}
            />
          )}
          <ProblemAlert error={error} />
          <Button type="submit" loading={busy}>
            Sign in
          </Button>
          {!askTenant && (
            <Anchor component="button" type="button" size="sm" onClick={() => setAskTenant(true)}>
              Sign in to a particular tenant
            </Anchor>
          )}
          <Button component={Link} to="/sign-in/sso" variant="default">
            Sign in with SSO
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
