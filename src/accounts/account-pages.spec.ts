import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_PAGE_HEADERS, accountPageHtml, type AccountPage } from './account-pages.js';

describe('account pages', () => {
  it.each<AccountPage>(['verify', 'reset', 'invitation'])(
    '%s: its one inline script is the one the CSP allows, and nothing else runs',
    (page) => {
      const html = accountPageHtml(page);
      const scripts = [...html.matchAll(/<script>([\s\S]*?)<\/script>/g)].map((m) => m[1]);
      expect(scripts).toHaveLength(1);
      const hash = createHash('sha256').update(scripts[0]).digest('base64');
      expect(ACCOUNT_PAGE_HEADERS['content-security-policy']).toContain(`script-src 'sha256-${hash}';`);
      expect(ACCOUNT_PAGE_HEADERS['content-security-policy']).toContain("default-src 'none'");
      expect(html).toContain(`data-page="${page}"`);
    },
  );
});
