import { Stack } from '@mantine/core';
import { CopyValue } from '../../components/copy-value';
import { WebhookSigning } from '../../components/operate-webhook-signing';
import { ShownOnce } from '../../components/shown-once';

/** What a webhook's sender needs, right after the secret was made (create or rotate): the URL, the secret once, how to sign. */
export function WebhookSecretPanel({ url, secret }: { url: string; secret: string }) {
  return (
    <Stack>
      <CopyValue label="Webhook URL" value={url} />
      <ShownOnce label="Signing secret" value={secret} ifLost="If it is lost, rotate the secret to get a new one." />
      <WebhookSigning url={url} secret={secret} />
    </Stack>
  );
}
