import { useMemo, useRef, useState } from 'preact/hooks';
import type { WorkflowJson } from '../../../wire/json.js';
import { ApiError } from '../api/http.js';
import { newIdempotencyKey, startRun } from '../api/runs.js';
import { refreshJobs, useAuth } from '../hooks.js';
import {
  type FieldValue,
  type FormIssues,
  hasIssues,
  initialValues,
  inputFromValues,
  parseJsonInput,
  valuesFromInput,
} from '../model/form-values.js';
import { placeIssues, readIssues } from '../model/input-issues.js';
import { allFields, formFromSchema } from '../model/schema-form.js';
import { jobHref, navigate } from '../router.js';
import { FormField, fieldId } from './form-field.js';
import { JsonEditor } from './json-editor.js';

const noIssues: FormIssues = { byField: new Map(), general: [] };

/**
 * Starts a run of a workflow: a form generated from the input's JSON Schema (or, for what it
 * cannot express and on request, the input as JSON). The browser's checks run on submit and then
 * as the operator edits; the server's issues are shown by the field they name. Each submission
 * carries an Idempotency-Key, so a double click starts one run; on success the view goes to it.
 */
export function StartForm({ workflow }: { workflow: WorkflowJson }) {
  const access = useAuth();
  const schemaText = JSON.stringify(workflow.inputSchema ?? null);
  const form = useMemo(() => formFromSchema(workflow.inputSchema), [schemaText]);
  const [values, setValues] = useState(() => initialValues(form));
  const [asJson, setAsJson] = useState(form.mode === 'json');
  const [jsonText, setJsonText] = useState(() =>
    form.schemaless ? '' : JSON.stringify(inputFromValues(form, values).input ?? {}, null, 2),
  );
  const [checked, setChecked] = useState(false);
  const [serverIssues, setServerIssues] = useState<FormIssues>(noIssues);
  const [note, setNote] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const key = useRef(newIdempotencyKey());
  const readOnly = access.canWrite === false;

  const built = asJson ? parseJsonInput(form, jsonText) : inputFromValues(form, values);
  const clientIssues = checked ? built.issues : noIssues;
  const shownByField = new Map(clientIssues.byField);
  for (const [k, list] of serverIssues.byField)
    shownByField.set(k, [...(shownByField.get(k) ?? []), ...list]);
  const general = [...clientIssues.general, ...serverIssues.general];

  /** Any edit is a new submission: a new key, and the server's word on the old input set aside. */
  const edited = (fieldKey?: string) => {
    key.current = newIdempotencyKey();
    setNote(undefined);
    if (fieldKey === undefined) setServerIssues(noIssues);
    else if (serverIssues.byField.has(fieldKey)) {
      const byField = new Map(serverIssues.byField);
      byField.delete(fieldKey);
      setServerIssues({ byField, general: serverIssues.general });
    }
  };
  const onField = (fieldKey: string, value: FieldValue) => {
    const next = new Map(values);
    next.set(fieldKey, value);
    setValues(next);
    edited(fieldKey);
  };

  const toggleJson = () => {
    setNote(undefined);
    if (!asJson) {
      setJsonText(JSON.stringify(built.input ?? {}, null, 2));
      setAsJson(true);
      setServerIssues(noIssues);
      return;
    }
    const parsed = parseJsonInput(form, jsonText);
    if (hasIssues(parsed.issues)) {
      setNote(`Fix the JSON first: ${parsed.issues.general.join(' ')}`);
      return;
    }
    const back = valuesFromInput(form, parsed.input);
    if (back.leftovers.length > 0) {
      setNote(`The form cannot show ${back.leftovers.join(', ')}: keep editing as JSON.`);
      return;
    }
    setValues(back.values);
    setAsJson(false);
    setServerIssues(noIssues);
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    if (busy || readOnly) return;
    setChecked(true);
    setNote(undefined);
    if (hasIssues(built.issues)) {
      focusFirstProblem(form, built.issues);
      return;
    }
    setBusy(true);
    try {
      const run = await startRun(workflow.name, built.input, key.current);
      void refreshJobs();
      navigate(jobHref(run.id));
    } catch (err) {
      if (err instanceof ApiError) {
        // A definite answer: the next submission is a new one.
        key.current = newIdempotencyKey();
        if (err.code === 'RNR_ERR_INVALID_INPUT') {
          const placed = placeIssues(form, readIssues(err.detail), asJson);
          if (!hasIssues(placed)) placed.general.push(err.message);
          setServerIssues(placed);
          focusFirstProblem(form, placed);
        } else {
          setNote(`${err.code}: ${err.message}`);
        }
      } else {
        // No answer (the network): the same key again makes a retry start at most one run.
        setNote(`Could not reach the server: ${(err as Error).message}. Submitting again is safe.`);
      }
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      class="start-form"
      noValidate
      onSubmit={(e) => void submit(e)}
      aria-label={`Start ${workflow.name}`}
    >
      {readOnly ? <p class="note">Read-only: this token may view but not start runs.</p> : null}
      <fieldset class="start-fields" disabled={readOnly}>
        <legend class="sr-only">Input of {workflow.name}</legend>
        {general.length > 0 ? (
          <div class="form-issues" role="alert">
            <p>The input was not accepted:</p>
            <ul>
              {general.map((g, k) => (
                <li key={k}>{g}</li>
              ))}
            </ul>
          </div>
        ) : null}
        {form.mode === 'fields' ? (
          <div class="mode-switch">
            <label class="check">
              <input type="checkbox" checked={asJson} onChange={toggleJson} name="as-json" />
              Edit the whole input as JSON
            </label>
          </div>
        ) : null}
        {asJson ? (
          <div class="form-field kind-json" data-field="(input)">
            <label class="field-label" for="in-input">
              Input (JSON{form.schemaless ? ', optional' : ''})
            </label>
            <JsonEditor
              id="in-input"
              name="input"
              rows={form.schemaless ? 4 : 10}
              value={jsonText}
              placeholder={form.schemaless ? '{ "key": "value" } — leave empty for no input' : '{}'}
              onChange={(t) => {
                setJsonText(t);
                edited();
              }}
            />
            {form.schemaless ? <p class="help">This workflow declares no input schema.</p> : null}
          </div>
        ) : (
          form.fields.map((f) => (
            <FormField key={f.key} field={f} values={values} issues={shownByField} onChange={onField} />
          ))
        )}
        <div class="button-row submit-row">
          <button type="submit" class="primary" disabled={busy || readOnly}>
            {busy ? 'Starting…' : `Start ${workflow.name}`}
          </button>
          <span class="outcome err" role="status" aria-live="polite">
            {note ?? ''}
          </span>
        </div>
      </fieldset>
    </form>
  );
}

/** Moves focus to the first field with a problem (or to the list at the top). */
function focusFirstProblem(form: ReturnType<typeof formFromSchema>, issues: FormIssues): void {
  requestAnimationFrame(() => {
    const first = allFields(form.fields).find((f) => issues.byField.has(f.key));
    const el = first
      ? document.getElementById(fieldId(first))
      : document.querySelector<HTMLElement>('.form-issues');
    if (el && !el.hasAttribute('tabindex') && !/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(el.tagName)) {
      el.setAttribute('tabindex', '-1');
    }
    el?.focus();
  });
}
