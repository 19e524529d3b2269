import { Alert, Button, Code, Group, Paper, PasswordInput, Select, Stack, Switch, Text, Textarea, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, ok } from '../../api/client';
import { ApiProblem } from '../../api/problem';
import type { paths } from '../../api/schema';
import { hasRole, useMe } from '../../auth/use-me';
import { ConfirmButton } from '../../components/confirm-button';
import { PageHeader } from '../../components/page-header';
import { ProblemAlert } from '../../components/problem-alert';
import { fieldError } from '../operate/field-error';

type SsoSettings = paths['/v1/tenant/sso']['get']['responses'][200]['content']['application/json'];
type SsoBody = paths['/v1/tenant/sso']['put']['requestBody']['content']['application/json'];
type Role = NonNullable<SsoSettings['defaultRole']>;

const ROLES: Role[] = ['owner', 'admin', 'operator', 'viewer'];

export interface SsoFormValues {
  slug: string;
  issuer: string;
  clientId: string;
  /** Empty: the stored secret stays. */
  clientSecret: string;
  scopes: string;
  groupsClaim: string;
  /** One `group = role` per line. */
  roleMapping: string;
  defaultRole: Role | '';
  allowedDomains: string;
  passwordLogin: boolean;
}

const words = (text: string) => text.split(/[\s,]+/).filter(Boolean);

/** `group = role` lines as the API's mapping; a line it cannot read is left for the API to refuse by name. */
export function ssoBody(v: SsoFormValues): SsoBody {
  const roleMapping = Object.fromEntries(
    v.roleMapping
      .split('\n')
      .map((line) => line.split('='))
      .filter((parts) => parts.length === 2 && parts[0].trim())
      .map(([group, role]) => [group.trim(), role.trim() as Role]),
  );
  return {
    slug: v.slug.trim(),
    issuer: v.issuer.trim(),
    clientId: v.clientId.trim(),
    ...(v.clientSecret ? { clientSecret: v.clientSecret } : {}),
    scopes: words(v.scopes),
    groupsClaim: v.groupsClaim.trim(),
    roleMapping,
    defaultRole: v.defaultRole || null,
    allowedDomains: words(v.allowedDomains),
    passwordLogin: v.passwordLogin,
  };
}

const valuesOf = (s?: SsoSettings): SsoFormValues => ({
  slug: s?.slug ?? '',
  issuer: s?.issuer ?? '',
  clientId: s?.clientId ?? '',
  clientSecret: '',
  scopes: (s?.scopes ?? ['openid', 'email', 'profile']).join(' '),
  groupsClaim: s?.groupsClaim ?? 'groups',
  roleMapping: Object.entries(s?.roleMapping ?? {})
    .map(([group, role]) => `${group} = ${role}`)
    .join('\n'),
  defaultRole: s?.defaultRole ?? '',
  allowedDomains: (s?.allowedDomains ?? []).join(' '),
  passwordLogin: s?.passwordLogin ?? true,
});

/** /sso: the owner connects the tenant to an OpenID Connect provider, maps its groups to roles and may turn passwords off. */
export function SsoPage() {
  const me = useMe();
  const isOwner = hasRole(me.data?.role, 'owner');
  const settings = useQuery({
    queryKey: ['tenant-sso'],
    enabled: isOwner,
    // 404: not set up yet, which the form starts from.
    queryFn: () =>
      ok(api.GET('/v1/tenant/sso')).catch((error: unknown) => {
        if (error instanceof ApiProblem && error.status === 404) return null;
        throw error;
      }),
  });
  const header = (
    <PageHeader
      title="Single sign-on"
      description="Members sign in through your OpenID Connect provider (Okta, Entra ID, Google, Keycloak…); its groups decide their role."
    />
  );
  if (me.data && !isOwner)
    return (
      <>
        {header}
        <Text c="dimmed">Single sign-on is set up by the tenant&apos;s owners; yours is {me.data.role}.</Text>
      </>
    );
  return (
    <>
      {header}
      <ProblemAlert error={me.error ?? settings.error} />
      {settings.data !== undefined && <SsoForm key={settings.data?.updatedAt ?? 'new'} settings={settings.data ?? undefined} />}
    </>
  );
}

function SsoForm({ settings }: { settings?: SsoSettings }) {
  const queryClient = useQueryClient();
  const [values, setValues] = useState<SsoFormValues>(valuesOf(settings));
  const set = (change: Partial<SsoFormValues>) => setValues({ ...values, ...change });
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['tenant-sso'] });
  const save = useMutation({ mutationFn: () => ok(api.PUT('/v1/tenant/sso', { body: ssoBody(values) })), onSuccess: refresh });
  const remove = async () => {
    await ok(api.DELETE('/v1/tenant/sso'));
    await refresh();
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    save.mutate();
  };
  const problem = (path: string) => fieldError(save.error, path);

  return (
    <Stack>
      {settings && (
        <Paper withBorder p="md">
          <Title order={2} size="h4" mb="xs">
            At your provider
          </Title>
          <Text size="sm">
            Redirect URI to register: <Code>{settings.redirectUri}</Code>
          </Text>
          <Text size="sm">
            Members sign in at <Code>{settings.loginUrl}</Code>, or with &quot;Sign in with SSO&quot; and <Code>{settings.slug}</Code>.
          </Text>
        </Paper>
      )}
      <form onSubmit={submit}>
        <Stack>
          <TextInput
            label="Slug"
            description="What members type to sign in with SSO."
            required
            value={values.slug}
            onChange={(e) => set({ slug: e.currentTarget.value })}
            error={problem('slug')}
          />
          <TextInput
            label="Issuer"
            description="Its /.well-known/openid-configuration is read when you save."
            type="url"
            required
            placeholder="https://login.example.com"
            value={values.issuer}
            onChange={(e) => set({ issuer: e.currentTarget.value })}
            error={problem('issuer')}
          />
          <TextInput
            label="Client ID"
            required
            value={values.clientId}
            onChange={(e) => set({ clientId: e.currentTarget.value })}
            error={problem('clientId')}
          />
          <PasswordInput
            label="Client secret"
            required={!settings}
            description={settings ? 'Stored encrypted and never shown; leave empty to keep it.' : 'Stored encrypted and never shown.'}
            value={values.clientSecret}
            onChange={(e) => set({ clientSecret: e.currentTarget.value })}
            error={problem('clientSecret')}
          />
          <TextInput
            label="Scopes"
            value={values.scopes}
            onChange={(e) => set({ scopes: e.currentTarget.value })}
            error={problem('scopes')}
          />
          <TextInput
            label="Groups claim"
            value={values.groupsClaim}
            onChange={(e) => set({ groupsClaim: e.currentTarget.value })}
            error={problem('groupsClaim')}
          />
          <Textarea
            label="Groups → roles"
            description="One group = role per line (owner, admin, operator, viewer); a person in several groups gets the highest."
            autosize
            minRows={2}
            value={values.roleMapping}
            onChange={(e) => set({ roleMapping: e.currentTarget.value })}
            error={problem('roleMapping')}
          />
          <Select
            label="Role of people in no mapped group"
            data={[{ value: '', label: 'None: refuse them' }, ...ROLES.map((r) => ({ value: r, label: r }))]}
            value={values.defaultRole}
            allowDeselect={false}
            onChange={(role) => set({ defaultRole: role ?? '' })}
            error={problem('defaultRole')}
          />
          <TextInput
            label="Allowed e-mail domains"
            description="Separated by spaces; empty: any."
            value={values.allowedDomains}
            onChange={(e) => set({ allowedDomains: e.currentTarget.value })}
            error={problem('allowedDomains')}
          />
          <Switch
            label="Password sign-in"
            description="Off: members sign in with SSO only (possible once an owner has signed in with SSO). API keys keep working."
            checked={values.passwordLogin}
            onChange={(e) => set({ passwordLogin: e.currentTarget.checked })}
          />
          <ProblemAlert error={save.error} />
          {save.isSuccess && (
            <Alert color="green" role="status">
              Saved. The provider answered its discovery document.
            </Alert>
          )}
          <Group justify="flex-end">
            {settings && (
              <ConfirmButton
                label="Remove single sign-on"
                title="Remove single sign-on?"
                color="red"
                message="Members sign in with passwords again; SSO sign-ins stop."
                onConfirm={remove}
              />
            )}
            <Button type="submit" loading={save.isPending}>
              {settings ? 'Save changes' : 'Set up single sign-on'}
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
