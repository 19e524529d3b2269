import { yaml } from '@codemirror/lang-yaml';
import { lintGutter, linter, setDiagnostics } from '@codemirror/lint';
import { useComputedColorScheme } from '@mantine/core';
import CodeMirror, { EditorView, type Extension } from '@uiw/react-codemirror';
import { useEffect, useMemo, useState } from 'react';
import { cspNonce } from '../../csp-nonce';
import type { CheckedText } from './pipelines-api';
import { problemsToDiagnostics } from './problem-diagnostics';

interface YamlEditorProps {
  value: string;
  onChange: (value: string) => void;
  /** The last check's problems, shown at their lines while the text is still the one checked. */
  checked: CheckedText | undefined;
  label: string;
  /** The editor's view once it exists, for moving to a problem from the list. */
  onView?: (view: EditorView) => void;
}

/**
 * A pipeline definition's YAML editor: the API's problems as diagnostics, and completion and hover
 * from the pipeline schema once that (large) support has loaded.
 */
export function YamlEditor({ value, onChange, checked, label, onView }: YamlEditorProps) {
  const [view, setView] = useState<EditorView>();
  const scheme = useComputedColorScheme('light');
  const [schemaSupport, setSchemaSupport] = useState<Extension[]>([]);
  useEffect(() => {
    // Without it the editor still edits and shows problems; a failed load is not worth an error here.
    import('./yaml-schema-support').then(
      (loaded) => setSchemaSupport(loaded.pipelineSchemaSupport),
      () => undefined,
    );
  }, []);
  const extensions = useMemo(
    () => [
      // The strict CSP allows only style elements that carry the page's nonce.
      EditorView.cspNonce.of(cspNonce()),
      // An explicit tab stop: axe does not count an editable region as focusable content of its scroller.
      EditorView.contentAttributes.of({ 'aria-label': label, tabindex: '0' }),
      yaml(),
      // No lint source (the problems come from the API), but the lint state belongs to the configuration,
      // so that it outlives the reconfiguration when the schema support arrives.
      linter(null),
      lintGutter(),
      ...schemaSupport,
    ],
    [label, schemaSupport],
  );

  useEffect(() => {
    // Line numbers are of the text that was checked: once it changed, the next check brings its own.
    if (!view || !checked || view.state.doc.toString() !== checked.text) return;
    view.dispatch(setDiagnostics(view.state, problemsToDiagnostics(view.state.doc, checked.problems)));
  }, [view, checked]);

  return (
    <CodeMirror
      value={value}
      onChange={onChange}
      extensions={extensions}
      theme={scheme}
      height="60vh"
      minHeight="240px"
      onCreateEditor={(created) => {
        setView(created);
        onView?.(created);
      }}
    />
  );
}
