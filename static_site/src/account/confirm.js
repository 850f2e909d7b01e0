// A confirmation the user must type, for what cannot be undone (deleting a channel): a modal
// <dialog>, so focus stays inside it and Escape closes it.
import { h } from '../dom.js';
import { strings } from '../strings.js';
import { controlId, formAlert, whileBusy } from './forms.js';

/**
 * Asks the user to type `expected` before `action()` runs. Resolves to true once the action
 * succeeded, false when the user cancelled; the action's errors are shown in the dialog.
 */
export function confirmByTyping({ title, text, expected, confirmLabel, busyLabel, action }) {
  return new Promise((resolve) => {
    const inputId = controlId('confirm');
    const titleId = `${inputId}-title`;
    const input = h('input', { id: inputId, class: 'acct-input', autocomplete: 'off', spellcheck: 'false', 'data-testid': 'confirm-input' });
    const alert = formAlert();
    const confirm = h('button', { type: 'submit', class: 'button acct-danger-button', disabled: true, 'data-testid': 'confirm-button' }, confirmLabel);
    const cancel = h('button', { type: 'button', class: 'button button-quiet', 'data-testid': 'confirm-cancel' }, strings.acctCancel);
    let succeeded = false;
    const dialog = h(
      'dialog',
      { class: 'acct-dialog', 'aria-labelledby': titleId, 'data-testid': 'confirm-dialog' },
      h(
        'form',
        {
          method: 'dialog',
          async onsubmit(event) {
            event.preventDefault();
            if (input.value !== expected) return;
            alert.show('');
            try {
              await whileBusy(confirm, busyLabel, action);
              succeeded = true;
              dialog.close();
            } catch (error) {
              alert.show(error?.message || String(error));
            }
          },
        },
        h('h2', { class: 'acct-dialog-title', id: titleId }, title),
        h('p', {}, text),
        h('label', { class: 'acct-label', for: inputId }, strings.acctTypeToConfirm(expected)),
        input,
        alert.element,
        h('div', { class: 'acct-buttons acct-dialog-buttons' }, cancel, confirm),
      ),
    );
    input.addEventListener('input', () => {
      confirm.disabled = input.value !== expected;
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(succeeded);
    });
    document.body.append(dialog);
    dialog.showModal();
    input.focus();
  });
}
