import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

/**
 * codemirror-json-schema renders schema descriptions with a module that starts Shiki, whose
 * WebAssembly the console's CSP refuses: its features import a plain renderer instead.
 */
const schemaMarkdownWithoutShiki = {
  find: /^\.\.\/utils\/markdown(\.js)?$/,
  replacement: fileURLToPath(new URL('src/pages/pipelines/schema-markdown.ts', import.meta.url)),
};

/** The console's build: `npm run build` writes it to dist/web, which the API serves at `/`. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  resolve: { alias: [schemaMarkdownWithoutShiki] },
  // The API replaces this placeholder with a fresh nonce per answer and names it in the page's CSP.
  html: { cspNonce: '__BATON_CSP_NONCE__' },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // Lazy chunks may be large (ELK's layout engine is 1.4 MB and loads with the first graph); the
    // entry's budget (< 600 KB) is what counts, and test/console.e2e.ts checks it on every build.
    chunkSizeWarningLimit: 1600,
  },
  server: { proxy: { '/v1': 'http://127.0.0.1:8080' } },
});
