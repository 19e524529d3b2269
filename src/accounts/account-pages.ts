import { createHash } from 'node:crypto';

export type AccountPage = 'verify' | 'reset' | 'invitation';

/**
 * What the mailed links open: a form that reads the token from the fragment (never sent to a
 * server) and posts it to the API. No session is kept: a password given here is used for the one
 * call it is for.
 */
const SCRIPT = `
const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
history.replaceState(null, '', location.pathname);
const form = document.querySelector('form'), out = document.querySelector('output');
const post = (path, body, session) => fetch(path, { method: 'POST', body: JSON.stringify(body),
  headers: Object.assign({ 'content-type': 'application/json' }, session ? { authorization: 'Bearer ' + session } : {}) });
const say = async (response, done) => {
  if (response.ok) { out.textContent = done; form.hidden = true; return; }
  const problem = await response.json().catch(() => ({}));
  out.textContent = problem.detail || ('Failed: ' + response.status);
};
if (!token) { out.textContent = 'This link has no token: open the whole link from the mail.'; form.hidden = true; }
form.addEventListener('submit', async (event) => {
  event.preventDefault();
  const field = (name) => (form.elements.namedItem(name) || {}).value || '';
  const page = document.body.dataset.page;
  if (page === 'verify') return say(await post('/v1/account/verify', { token }), 'Your address is confirmed.');
  if (page === 'reset') return say(await post('/v1/account/password-reset/confirm', { token, password: field('password') }), 'Your password is changed: sign in with it.');
  if (!field('email')) return say(await post('/v1/invitations/accept', { token, password: field('password') }), 'Welcome: your account is made, sign in with it.');
  const login = await post('/v1/auth/login', { email: field('email'), password: field('password') });
  if (!login.ok) return say(login);
  say(await post('/v1/invitations/accept', { token }, (await login.json()).token), 'Welcome: you joined the tenant.');
});`;

const SCRIPT_HASH = `'sha256-${createHash('sha256').update(SCRIPT).digest('base64')}'`;

export const ACCOUNT_PAGE_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-security-policy': `default-src 'none'; script-src ${SCRIPT_HASH}; style-src 'unsafe-inline'; connect-src 'self'; form-action 'none'; frame-ancestors 'none'; base-uri 'none'`,
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
};

const FORMS: Record<AccountPage, { title: string; fields: string; button: string }> = {
  verify: { title: 'Confirm your e-mail address', fields: '', button: 'Confirm my address' },
  reset: {
    title: 'Choose a new password',
    fields: '<label>New password <input name="password" type="password" minlength="10" autocomplete="new-password" required></label>',
    button: 'Set the password',
  },
  invitation: {
    title: 'Accept the invitation',
    fields:
      '<p>New to Baton: choose a password. With a Baton account for the invited address: its e-mail and password.</p>' +
      '<label>E-mail (existing account) <input name="email" type="email" autocomplete="username"></label>' +
      '<label>Password <input name="password" type="password" minlength="10" autocomplete="current-password" required></label>',
    button: 'Accept',
  },
};

export function accountPageHtml(page: AccountPage): string {
  const form = FORMS[page];
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>${form.title} · Baton</title><style>body{font:16px system-ui;max-width:30em;margin:3em auto}label{display:block;margin:1em 0}input{display:block;width:100%}</style></head>
<body data-page="${page}"><h1>${form.title}</h1><form>${form.fields}<button>${form.button}</button></form><output></output><script>${SCRIPT}</script></body></html>`;
}
