import { useMemo } from 'preact/hooks';

/** Props of {@link JsonEditor}. */
export interface JsonEditorProps {
  id: string;
  name: string;
  value: string;
  rows?: number;
  placeholder?: string;
  /** Ids of the elements that describe the editor (help, errors). */
  describedBy?: string;
  invalid?: boolean;
  onChange(text: string): void;
}

/**
 * A plain-text JSON editor: monospace, no spell checking, the parse error (if any) under it as
 * the operator types, and a button that re-indents the text once it parses.
 */
export function JsonEditor(props: JsonEditorProps) {
  const problem = useMemo(() => {
    if (props.value.trim() === '') return undefined;
    try {
      JSON.parse(props.value);
      return undefined;
    } catch (err) {
      return (err as Error).message;
    }
  }, [props.value]);
  const statusId = `${props.id}-json`;
  return (
    <div class="json-editor">
      <textarea
        id={props.id}
        name={props.name}
        class="json"
        rows={props.rows ?? 6}
        spellcheck={false}
        autocapitalize="off"
        autocomplete="off"
        placeholder={props.placeholder}
        value={props.value}
        aria-invalid={props.invalid || problem !== undefined ? 'true' : undefined}
        aria-describedby={[props.describedBy, problem ? statusId : ''].filter(Boolean).join(' ') || undefined}
        onInput={(e) => props.onChange((e.currentTarget as HTMLTextAreaElement).value)}
      />
      <div class="json-status">
        {problem ? (
          <span id={statusId} class="error">
            ✗ {problem}
          </span>
        ) : (
          <span class="note">{props.value.trim() ? '✓ valid JSON' : ''}</span>
        )}
        <button
          type="button"
          class="link-button"
          disabled={problem !== undefined || props.value.trim() === ''}
          onClick={() => props.onChange(JSON.stringify(JSON.parse(props.value), null, 2))}
        >
          Format
        </button>
      </div>
    </div>
  );
}
