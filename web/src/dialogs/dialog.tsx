/**
 * A modal dialog on the native <dialog> element: showModal() makes the rest of the page inert
 * (focus stays inside), Escape closes it (the `cancel` event, handed to `onClose` so the owner's
 * state decides), and focus goes back to what opened it. Rendered only while open.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef } from 'preact/hooks';
import './dialogs.css';

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]), textarea:not([disabled]), select:not([disabled]), [tabindex]:not([tabindex="-1"])';

/** Tab from the last control goes to the first, Shift+Tab from the first to the last: focus never leaves for the browser's own UI. */
function trapTab(event: KeyboardEvent, dialog: HTMLDialogElement | null): void {
  if (event.key !== 'Tab' || !dialog) return;
  const controls = [...dialog.querySelectorAll<HTMLElement>(FOCUSABLE)].filter((el) => el.getClientRects().length > 0);
  const first = controls[0];
  const last = controls[controls.length - 1];
  if (!first || !last) return;
  if (event.shiftKey && document.activeElement === first) {
    event.preventDefault();
    last.focus();
  } else if (!event.shiftKey && document.activeElement === last) {
    event.preventDefault();
    first.focus();
  }
}

export function Dialog(props: { title: string; onClose: () => void; children: ComponentChildren; description?: string }) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const descriptionId = useId();
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : undefined;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      if (dialog?.open) dialog.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);
  return (
    <dialog
      ref={ref}
      class="dialog"
      aria-labelledby={titleId}
      aria-describedby={props.description ? descriptionId : undefined}
      onKeyDown={(event) => trapTab(event, ref.current)}
      onCancel={(event) => {
        event.preventDefault();
        props.onClose();
      }}
    >
      <h2 id={titleId}>{props.title}</h2>
      {props.description ? <p id={descriptionId}>{props.description}</p> : null}
      {props.children}
    </dialog>
  );
}

/**
 * "Are you sure?": the consequence in words, a confirm button (danger-coloured when it destroys
 * something) and Cancel. A refusal is shown in the dialog, which stays open to try again.
 */
export function ConfirmDialog(props: { title: string; description: string; confirm: string; danger?: boolean; onConfirm: () => Promise<void>; onClose: () => void; error?: string | undefined; busy?: boolean }) {
  return (
    <Dialog title={props.title} description={props.description} onClose={props.onClose}>
      <div class="body">
        {props.error ? (
          <p class="notice" role="alert">
            {props.error}
          </p>
        ) : null}
        <div class="actions">
          <button type="button" onClick={props.onClose}>
            Cancel
          </button>
          <button type="button" class={props.danger ? 'danger' : 'primary'} disabled={props.busy} onClick={() => void props.onConfirm()}>
            {props.confirm}
          </button>
        </div>
      </div>
    </Dialog>
  );
}
