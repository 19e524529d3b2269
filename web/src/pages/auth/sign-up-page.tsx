import { Anchor, Button, PasswordInput, Stack, TextInput } from '@mantine/core';
import { useQueryClient } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { useState, type FormEvent } from 'react';
import { api, ok } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import { session, tokenExpiry } from '../../auth/session';
import { ProblemAlert } from '../../components/problem-alert';
import { AuthCard } from './auth-card';

/** A new tenant and its owner (POST /v1/signup); the owner is signed in at once and mailed a verification link. */
export function SignUpPage() {
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form, setForm] = useState({ tenantName: '', email: '', password: '' });
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const field = (name: keyof typeof form) => ({
    value: form[name],
    onChange: (event: { currentTarget: HTMLInputElement }) => setForm({ ...form, [name]: event.currentTarget.value }),
    error: error instanceof ApiProblem ? error.about(name) : undefined,
  });

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await ok(api.POST('/v1/signup', { body: form }));
      session.start({ token: created.token, expiresAt: tokenExpiry(created.token), email: form.email });
      queryClient.clear();
      await navigate({ to: '/pipelines' });
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };

  return (
    <AuthCard
      title="Create your tenant"
      footer={
        <>
          Have an account?{' '}
          <Anchor component={Link} to="/sign-in">
            Sign in
          </Anchor>
        </>
      }
    >
      <form onSubmit={(event) => void submit(event)}>
        <Stack>
          <TextInput label="Tenant name" description="Your team or company" required {...field('tenantName')} />
          <TextInput label="E-mail" type="email" autoComplete="username" required {...field('email')} />
          <PasswordInput
            label="Password"
            description="At least 10 characters"
            autoComplete="new-password"
            required
            minLength={10}
            {...field('password')}
          />
          <ProblemAlert error={error} />
          <Button type="submit" loading={busy}>
            Create the tenant
          </Button>
        </Stack>
      </form>
    </AuthCard>
  );
}
