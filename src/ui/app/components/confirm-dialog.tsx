import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';

/** Props of {@link ConfirmDialog}. */
export interface ConfirmDialogProps {
  title: string;
  /** What will happen, in words. */
  children?: ComponentChildren;
  confirmLabel: string;
  /** Styles the confirm button as dangerous (skip, set FAILED…). */
  danger?: boolean;
  onConfirm(reason: string): void;
  onCancel(): void;
}

/**
 * A modal confirmation with an optional reason (recorded in the audit log). A native `<dialog>`:
 * focus is trapped, Escape cancels, and the confirm button has focus so Enter confirms.
 */
export function ConfirmDialog(props: ConfirmDialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const [reason, setReason] = useState('');
  useEffect(() => {
    const dialog = ref.current;
    // The dialog is unmounted rather than closed: give focus back to what opened it.
    const opener = document.activeElement as HTMLElement | null;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      // Elements outside an open modal dialog are inert: close it before moving focus back.
      if (dialog?.open) dialog.close();
      opener?.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class="confirm"
      aria-labelledby="confirm-title"
      onCancel={(e) => {
        e.preventDefault();
        props.onCancel();
      }}
    >
      <form
        method="dialog"
        onSubmit={(e) => {
          e.preventDefault();
          props.onConfirm(reason.trim());
        }}
      >
        <h2 id="confirm-title">{props.title}</h2>
        <div class="confirm-body">{props.children}</div>
        <label class="field">
          <span>Reason (optional, kept in the audit log)</span>
          <textarea
            name="reason"
            rows={2}
            value={reason}
            onInput={(e) => setReason((e.currentTarget as HTMLTextAreaElement).value)}
          />
        </label>
        <div class="actions">
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
          {/* biome-ignore lint/a11y/noAutofocus: the confirm button takes focus so Enter confirms */}
          <button type="submit" class={props.danger ? 'danger' : 'primary'} autoFocus>
            {props.confirmLabel}
          </button>
        </div>
      </form>
    </dialog>
  );
}
