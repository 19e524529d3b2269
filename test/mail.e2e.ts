import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, inject, it } from 'vitest';
import { api, until } from './support/builders.js';
import { tokenOf } from './support/mailbox.js';

/** `baton mail` against the stack's database, as an operator types it. */
function batonMail(...args: string[]) {
  const run = spawnSync(process.execPath, ['bin/baton.js', 'mail', ...args], {
    env: { ...process.env, ...inject('apiEnv') },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { status: run.status, stdout: run.stdout, stderr: run.stderr };
}

describe('mail without an SMTP server', () => {
  it('keeps each mail for the operator, who reads it with `baton mail`, and writes its link to the log', async () => {
    const email = `kept-${randomUUID()}@example.test`;
    await api().post('/v1/signup').send({ tenantName: 'Kept', email, password: 'a long password' }).expect(201);

    let line: string | undefined;
    await until(
      async () =>
        (line = batonMail('--limit', '50')
          .stdout.split('\n')
          .find((l) => l.includes(email))) !== undefined,
      20_000,
    );
    expect(line).toMatch(/^[0-9a-f-]{36} {2}\d{4}-\d\d-\d\d \d\d:\d\d:\d\d {2}kept {5}kept-.* {2}Confirm your e-mail address for Baton$/);
    const id = line!.slice(0, 36);
    const shown = batonMail(id);
    expect(shown.status).toBe(0);
    expect(shown.stdout).toContain(`To:      ${email}`);
    const link = /http:\/\/\S+#token=bv_\S+/.exec(shown.stdout)?.[0];
    expect(link?.startsWith(`${inject('baseUrl')}/account/verify#token=`)).toBe(true);

    // The API's log has the same link, for an operator who reads logs rather than the database.
    await until(async () => readFileSync(inject('logFiles')[0], 'utf8').includes(link!));
    const logLine = readFileSync(inject('logFiles')[0], 'utf8')
      .split('\n')
      .find((l) => l.includes(link!))!;
    expect(JSON.parse(logLine)).toMatchObject({ context: 'mail', mailId: id, kind: 'verify_email' });

    const verified = await api()
      .post('/v1/account/verify')
      .send({ token: tokenOf(link!) })
      .expect(200);
    expect(verified.body.user).toMatchObject({ email, emailVerified: true });

    const missing = batonMail(randomUUID());
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('no mail');
  });
});
