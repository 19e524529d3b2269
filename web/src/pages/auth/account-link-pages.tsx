import { Alert, Anchor, Button, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useMutation } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { useState, type FormEvent, type ReactNode } from 'react';
import { api, ok } from '../../api/client';

import { session, tokenExpiry } from '../../auth/session';
import { ProblemAlert } from '../../components/problem-alert';
import { AuthCard } from './auth-card';
import { takeTokenFromFragment } from './token-from-fragment';

const signInLink = (
  <Anchor component={Link} to="/sign-in">
    Sign in
  </Anchor>
);

/** A form posted once; on success it is replaced by what happened. */
function OneShotForm({
  submit,
  done,
  children,
  button,
}: {
  submit: () => Promise<unknown>;
  done: ReactNode;
  children?: ReactNode;
  button: string;
}) {
  const action = useMutation({ mutationFn: submit });
  if (action.isSuccess)
    return (
      <Alert color="green" role="status">
        {done}
      </Alert>
    );
  return (
    <form
      onSubmit={(event: FormEvent) => {
        event.preventDefault();
        action.mutate();
      }}
    >
      <Stack>
        {children}
        <ProblemAlert error={action.error} />
        <Button type="submit" loading={action.isPending}>
          {button}
        </Button>
      </Stack>
    </form>
  );
}

function MissingToken() {
  return <ProblemAlert title="This link has no token" error={new Error('Open the whole link from the mail.')} />;
}

/** /account/verify#token=…: the mailed link that confirms an address. */
export function VerifyEmailPage() {
  const [token] = useState(takeTokenFromFragment);
  return (
    <AuthCard title="Confirm your e-mail address" footer={signInLink}>
      {token ? (
        <OneShotForm
          button="Confirm my address"
          done="Your address is confirmed."
          submit={() => ok(api.POST('/v1/account/verify', { body: { token } }))}
        />
      ) : (
        <MissingToken />
      )}
    </AuthCard>
  );
}

/** Asks for a reset link; the answer is the same whether the address has an account or not. */
export function ForgotPasswordPage() {
  const [email, setEmail] = useState('');
  return (
    <AuthCard title="Reset your password" footer={signInLink}>
      <OneShotForm
        button="Mail me a link"
        done="If an account has this address, a link is on its way. It works once, for 30 minutes."
        submit={() => ok(api.POST('/v1/account/password-reset', { body: { email } }))}
      >
        <TextInput
          label="E-mail"
          type="email"
          autoComplete="username"
          required
          value={email}
          onChange={(e) => setEmail(e.currentTarget.value)}
        />
      </OneShotForm>
    </AuthCard>
  );
}

/** /account/reset-password#token=…: sets a new password from the mailed link. */
export function ResetPasswordPage() {
  const [token] = useState(takeTokenFromFragment);
  const [password, setPassword] = useState('');
  return (
    <AuthCard title="Choose a new password" footer={signInLink}>
      {token ? (
        <OneShotForm
          button="Set the password"
          done="Your password is changed: sign in with it."
          submit={() => ok(api.POST('/v1/account/password-reset/confirm', { body: { token, password } }))}
        >
          <PasswordInput
            label="New password"
            autoComplete="new-password"
            minLength={10}
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
        </OneShotForm>
      ) : (
        <MissingToken />
      )}
    </AuthCard>
  );
}

/**
 * /invitations/accept#token=…: joins the inviting tenant. Someone new chooses a password (the
 * account is made and signed in); someone with an account signs in with it first.
 */
export function AcceptInvitationPage() {
  const [token] = useState(takeTokenFromFragment);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const accept = async () => {
    if (!email) {
      const joined = await ok(api.POST('/v1/invitations/accept', { body: { token, password } }));
      if ('token' in joined && typeof joined.token === 'string')
        session.start({ token: joined.token, expiresAt: tokenExpiry(joined.token) });
      return joined;
    }
    const login = await ok(api.POST('/v1/auth/login', { body: { email, password } }));
    const joined = await ok(api.POST('/v1/invitations/accept', { body: { token }, headers: { authorization: `Bearer ${login.token}` } }));
    const signedIn = await ok(api.POST('/v1/auth/login', { body: { email, password, tenant: joined.tenantId } }));
    session.start({ token: signedIn.token, expiresAt: signedIn.expiresAt, email });
    return joined;
  };
  return (
    <AuthCard title="Accept the invitation">
      {token ? (
        <OneShotForm
          button="Accept"
          done={
            <Text size="sm">
              Welcome: you joined the tenant.{' '}
              <Anchor component={Link} to="/runs">
                Open the console
              </Anchor>
            </Text>
          }
          submit={accept}
        >
          <Text size="sm">New to Baton: choose a password. Already have an account: give its e-mail and password.</Text>
          <TextInput
            label="E-mail (existing account)"
            type="email"
            autoComplete="username"
            value={email}
            onChange={(e) => setEmail(e.currentTarget.value)}
          />
          <PasswordInput
            label="Password"
            autoComplete={email ? 'current-password' : 'new-password'}
            minLength={10}
            required
            value={password}
            onChange={(e) => setPassword(e.currentTarget.value)}
          />
        </OneShotForm>
      ) : (
        <MissingToken />
      )}
    </AuthCard>
  );
}
