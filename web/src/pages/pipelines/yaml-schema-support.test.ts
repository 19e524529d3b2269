import { yaml } from '@codemirror/lang-yaml';
import { EditorState, EditorView } from '@uiw/react-codemirror';
import { yamlSchemaHover } from 'codemirror-json-schema/yaml';
import { describe, expect, it } from 'vitest';
import { renderMarkdown } from './schema-markdown';
import { pipelineSchemaSupport } from './yaml-schema-support';

describe('renderMarkdown (in place of codemirror-json-schema’s Shiki one)', () => {
  it('keeps code spans and escapes everything else, since the result becomes innerHTML', () => {
    expect(renderMarkdown('`enum`: `a` or `<b>`')).toBe('<code>enum</code>: <code>a</code> or <code>&lt;b&gt;</code>');
    expect(renderMarkdown('<img src=x onerror="alert(1)">')).toBe('&lt;img src=x onerror=&quot;alert(1)&quot;&gt;');
  });

  it('makes paragraphs of blank-line separated blocks unless inline', () => {
    expect(renderMarkdown('One.\n\nTwo `x`.', false)).toBe('<p>One.</p><p>Two <code>x</code>.</p>');
  });
});

describe('the pipeline schema hover', () => {
  it('describes the key under the pointer with the plain renderer', async () => {
    const doc = 'apiVersion: baton/v1\nkind: Pipeline\nname: hello\n';
    const view = new EditorView({ state: EditorState.create({ doc, extensions: [yaml(), ...pipelineSchemaSupport] }) });
    const tooltip = await yamlSchemaHover()(view, doc.indexOf('name') + 1, 1);
    const shown = tooltip?.create(view).dom;
    expect(shown?.querySelector('.cm6-json-schema-hover--code')?.innerHTML).toBe('<p>string<code>pattern</code>: ^[a-z0-9-]{1,63}$</p>');
    view.destroy();
  });
});
