import type { ComponentChildren } from 'preact';
import { type FieldValue, type FormValues, isCheckbox } from '../model/form-values.js';
import type { Field, GroupField, ItemField, ListField } from '../model/schema-form.js';
import { JsonEditor } from './json-editor.js';

/** Props of {@link FormField}. */
export interface FormFieldProps {
  field: Field;
  values: FormValues;
  /** Problems by field key: the browser's checks and the server's issues. */
  issues: ReadonlyMap<string, readonly string[]>;
  onChange(key: string, value: FieldValue): void;
}

/** The DOM id of a field's control (ids may hold any character but spaces). */
export function fieldId(field: Field): string {
  return `in-${field.path.map((p) => encodeURIComponent(p)).join('.')}`;
}

/**
 * One field of the start form: its label (with a required mark), the control its type asks for,
 * the help text and constraints, and the problems found with it (tied to the control by
 * `aria-describedby`, and `aria-invalid` set).
 */
export function FormField({ field, values, issues, onChange }: FormFieldProps) {
  if (field.kind === 'group')
    return <GroupFieldset field={field} values={values} issues={issues} onChange={onChange} />;
  const id = fieldId(field);
  const problems = issues.get(field.key) ?? [];
  const described = [field.help || field.hints.length ? `${id}-help` : '', problems.length ? `${id}-err` : '']
    .filter(Boolean)
    .join(' ');
  const value = values.get(field.key);
  const set = (v: FieldValue) => onChange(field.key, v);
  const common = {
    id,
    name: field.name,
    'aria-invalid': problems.length > 0 ? ('true' as const) : undefined,
    'aria-describedby': described || undefined,
    'aria-required': field.required ? ('true' as const) : undefined,
  };
  let control: ComponentChildren;
  if (field.kind === 'list') {
    control = <ListControl field={field} value={value} set={set} problems={problems} />;
  } else if (field.kind === 'json') {
    control = (
      <JsonEditor
        id={id}
        name={field.name}
        rows={4}
        value={typeof value === 'string' ? value : ''}
        placeholder={field.example}
        describedBy={described || undefined}
        invalid={problems.length > 0}
        onChange={set}
      />
    );
  } else {
    control = <ScalarControl field={field} value={value} set={set} attrs={common} />;
  }
  const checkbox = isCheckbox(field);
  return (
    <div
      class={`form-field kind-${field.kind}${checkbox ? ' is-checkbox' : ''}${problems.length ? ' invalid' : ''}`}
      data-field={field.name}
    >
      {field.kind === 'list' ? (
        <span class="field-label" id={`${id}-label`}>
          <Label field={field} />
        </span>
      ) : checkbox ? null : (
        <label class="field-label" for={id}>
          <Label field={field} />
        </label>
      )}
      {checkbox ? (
        <span class="check">
          {control}
          <label for={id}>
            <Label field={field} />
          </label>
        </span>
      ) : (
        control
      )}
      <Help id={`${id}-help`} field={field} />
      {field.kind === 'json' && field.schema !== true ? (
        <details class="schema-hint">
          <summary>Expected shape</summary>
          <pre>{JSON.stringify(field.schema, null, 2)}</pre>
        </details>
      ) : null}
      <Problems id={`${id}-err`} problems={problems} />
    </div>
  );
}

function Label({ field }: { field: Field }) {
  return (
    <>
      {field.label}
      {field.required ? (
        <span class="req" title="required">
          {' '}
          *<span class="sr-only"> (required)</span>
        </span>
      ) : null}
      {/* A title hides the property's name: show it, since the JSON editor and the server's issues use it. */}
      {field.label !== field.path.at(-1) ? <code class="field-name"> {field.name}</code> : null}
    </>
  );
}

function Help({ id, field }: { id: string; field: Field }) {
  if (!field.help && field.hints.length === 0) return null;
  return (
    <p class="help" id={id}>
      {field.help}
      {field.help && field.hints.length ? ' · ' : ''}
      {field.hints.length ? <span class="hints">{field.hints.join(' · ')}</span> : null}
    </p>
  );
}

function Problems({ id, problems }: { id: string; problems: readonly string[] }) {
  if (problems.length === 0) return null;
  return (
    <ul class="field-error" id={id}>
      {problems.map((p, k) => (
        <li key={k}>✗ {p}</li>
      ))}
    </ul>
  );
}

function GroupFieldset({ field, values, issues, onChange }: FormFieldProps & { field: GroupField }) {
  const included = field.required || values.get(field.key) === true;
  const id = fieldId(field);
  const problems = issues.get(field.key) ?? [];
  return (
    <fieldset class={`form-group${problems.length ? ' invalid' : ''}`} data-field={field.name}>
      <legend>
        {field.required ? (
          <Label field={field} />
        ) : (
          <label class="check">
            <input
              type="checkbox"
              id={id}
              name={field.name}
              checked={included}
              onChange={(e) => onChange(field.key, (e.currentTarget as HTMLInputElement).checked)}
            />
            <Label field={field} /> <span class="note">(include)</span>
          </label>
        )}
      </legend>
      <Help id={`${id}-help`} field={field} />
      <Problems id={`${id}-err`} problems={problems} />
      <fieldset class="group-fields" disabled={!included}>
        <legend class="sr-only">{field.label}</legend>
        {field.fields.map((f) => (
          <FormField key={f.key} field={f} values={values} issues={issues} onChange={onChange} />
        ))}
      </fieldset>
    </fieldset>
  );
}

interface ScalarProps {
  field: ItemField;
  value: FieldValue;
  set(v: FieldValue): void;
  attrs: Record<string, string | undefined>;
}

/** A text input, a number's text input, a checkbox or three-way select, or a choice's select. */
function ScalarControl({ field, value, set, attrs }: ScalarProps) {
  const text = typeof value === 'string' ? value : '';
  const onText = (e: Event) => set((e.currentTarget as HTMLInputElement).value);
  switch (field.kind) {
    case 'text':
      return field.multiline ? (
        <textarea {...attrs} rows={4} value={text} placeholder={field.example} onInput={onText} />
      ) : (
        <input {...attrs} type={field.inputType} value={text} placeholder={field.example} onInput={onText} />
      );
    case 'number':
      // Text rather than type=number: the view keeps what was typed and says what is wrong with it.
      return (
        <input
          {...attrs}
          type="text"
          inputMode={field.integer && (field.min ?? -1) >= 0 ? 'numeric' : 'decimal'}
          autocomplete="off"
          value={text}
          placeholder={field.example}
          onInput={onText}
        />
      );
    case 'boolean':
      if (isCheckbox(field)) {
        return (
          <input
            {...attrs}
            type="checkbox"
            checked={value === true}
            onChange={(e) => set((e.currentTarget as HTMLInputElement).checked)}
          />
        );
      }
      return (
        <select
          {...attrs}
          value={value === true ? 'true' : value === false ? 'false' : ''}
          onChange={(e) => {
            const v = (e.currentTarget as HTMLSelectElement).value;
            set(v === '' ? undefined : v === 'true');
          }}
        >
          <option value="">— not set —</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </select>
      );
    case 'choice':
      return (
        <select {...attrs} value={text} onChange={onText}>
          {text === '' || (!field.required && field.defaultValue === undefined) ? (
            <option value="">{field.required ? '— choose —' : '— not set —'}</option>
          ) : null}
          {field.options.map((o, i) => (
            <option key={i} value={String(i)}>
              {o.label}
            </option>
          ))}
        </select>
      );
  }
}

/** A list: checkboxes for a set of enum values, otherwise one input per item with add/remove. */
function ListControl({
  field,
  value,
  set,
  problems,
}: {
  field: ListField;
  value: FieldValue;
  set(v: FieldValue): void;
  problems: readonly string[];
}) {
  const items = Array.isArray(value) ? (value as readonly string[]) : [];
  // Problems of one item (`item 2: …`) mark that item's input; the others mark none.
  const badItems = new Set(problems.map((p) => Number(/^item (\d+)/.exec(p)?.[1] ?? 0) - 1));
  const id = fieldId(field);
  const item = field.item;
  if (item.kind === 'choice') {
    const chosen = new Set(items);
    return (
      <fieldset class="choice-set" aria-labelledby={`${id}-label`} id={id}>
        {item.options.map((o, i) => (
          <label key={i} class="check">
            <input
              type="checkbox"
              name={field.name}
              value={String(i)}
              checked={chosen.has(String(i))}
              onChange={(e) => {
                const on = (e.currentTarget as HTMLInputElement).checked;
                const next = item.options
                  .map((_, k) => String(k))
                  .filter((k) => (k === String(i) ? on : chosen.has(k)));
                set(next);
              }}
            />
            {o.label}
          </label>
        ))}
      </fieldset>
    );
  }
  const change = (k: number, v: FieldValue) => set(items.map((x, j) => (j === k ? String(v ?? '') : x)));
  const full = field.maxItems !== undefined && items.length >= field.maxItems;
  return (
    <fieldset class="list-items" aria-labelledby={`${id}-label`} id={id}>
      {items.map((text, k) => (
        <div class="list-item" key={k}>
          <ScalarControl
            field={item}
            value={item.kind === 'boolean' ? text === 'true' : text}
            set={(v) => change(k, v)}
            attrs={{
              name: `${field.name}[${k}]`,
              'aria-label': `${field.label}, item ${k + 1}`,
              'aria-invalid': badItems.has(k) ? 'true' : undefined,
            }}
          />
          <button
            type="button"
            class="link-button"
            aria-label={`Remove item ${k + 1} of ${field.label}`}
            onClick={() => set(items.filter((_, j) => j !== k))}
          >
            Remove
          </button>
        </div>
      ))}
      <button
        type="button"
        class="add-item"
        disabled={full}
        onClick={() => {
          set([...items, item.kind === 'boolean' ? 'false' : '']);
          // Focus the new item's input once it is drawn.
          requestAnimationFrame(() => {
            const inputs = document.querySelectorAll<HTMLInputElement>(
              `#${CSS.escape(id)} .list-item :is(input,select)`,
            );
            inputs[inputs.length - 1]?.focus();
          });
        }}
      >
        + Add {items.length ? 'another' : 'an item'}
      </button>
    </fieldset>
  );
}
