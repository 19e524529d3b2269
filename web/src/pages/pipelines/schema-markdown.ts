/**
 * Takes the place of codemirror-json-schema's `utils/markdown` (an alias in web/vite.config.ts and in
 * the vitest web project): that module starts a Shiki highlighter as it loads, and Shiki's WebAssembly
 * is what the console's CSP refuses. The schema's texts use no more markdown than `code` spans, so
 * escaped text with those is the whole rendering; the result goes to innerHTML, hence the escaping.
 */
export function renderMarkdown(markdown: string, inline = true): string {
  const html = escapeHtml(markdown).replace(/`([^`\n]+)`/g, '<code>$1</code>');
  if (inline) return html;
  return html
    .split(/\n\s*\n/)
    .map((paragraph) => `<p>${paragraph.trim()}</p>`)
    .join('');
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => ENTITIES[character]);
}
