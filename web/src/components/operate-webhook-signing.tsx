import { Code, Stack, Text } from '@mantine/core';
import { CopyValue } from './copy-value';

/**
 * A shell example that sends one signed delivery to `url` (docs/api.md#triggers): the HMAC covers
 * the delivery id, the timestamp and the body, so a replayed or altered request is refused.
 */
export function signingExample(url: string, secret?: string): string {
  return [
    `URL='${url}'`,
    `SECRET='${secret ?? '<the signing secret>'}'`,
    `BODY='{"day":"2026-01-01"}'`,
    'ID=$(uuidgen)',
    'TS=$(date +%s)',
    `SIG=$(printf '%s.%s.%s' "$ID" "$TS" "$BODY" | openssl dgst -sha256 -hmac "$SECRET" | awk '{print $NF}')`,
    'curl -X POST "$URL" \\',
    "  -H 'content-type: application/json' \\",
    '  -H "X-Baton-Delivery: $ID" \\',
    '  -H "X-Baton-Timestamp: $TS" \\',
    '  -H "X-Baton-Signature: sha256=$SIG" \\',
    '  --data "$BODY"',
  ].join('\n');
}

export function WebhookSigning({ url, secret }: { url: string; secret?: string }) {
  const example = signingExample(url, secret);
  return (
    <Stack gap="xs">
      <Text size="sm">
        Each delivery carries a unique id (a retry sends the same id and gets the same run), a Unix timestamp within five minutes, and an
        HMAC-SHA256 of <Code>{'<id>.<timestamp>.<body>'}</Code> under the secret. The JSON body becomes the run&apos;s inputs.
      </Text>
      <CopyValue label="Signing example (shell)" value={example}>
        <Code block>{example}</Code>
      </CopyValue>
    </Stack>
  );
}
