// A modal dialog (the native <dialog>: focus kept inside, Escape closes, focus returns to
// the button that opened it) with a heading and a close button.
import { h } from '../dom.js';
import { strings } from '../strings.js';

let counter = 0;

/** Opens a dialog titled `title` around `body`; returns { dialog, close }. */
export function openDialog({ title, body, testId, onClose = () => {} }) {
  counter += 1;
  const headingId = `watch-dialog-${counter}`;
  const opener = document.activeElement;
  const dialog = h(
    'dialog',
    { class: 'watch-dialog', 'aria-labelledby': headingId, 'data-testid': testId },
    h(
      'div',
      { class: 'watch-dialog-head' },
      h('h2', { id: headingId, class: 'watch-dialog-title' }, title),
      h('button', { type: 'button', class: 'button button-quiet watch-dialog-close', 'data-testid': 'dialog-close', onclick: () => dialog.close() }, strings.watchDialogClose),
    ),
    h('div', { class: 'watch-dialog-body' }, body),
  );
  dialog.addEventListener('close', () => {
    dialog.remove();
    onClose();
    if (opener instanceof HTMLElement && opener.isConnected) opener.focus();
  });
  // A click on the backdrop (outside the box) closes it too.
  dialog.addEventListener('click', (event) => {
    if (event.target === dialog) {
      const box = dialog.getBoundingClientRect();
      const inside = event.clientX >= box.left && event.clientX <= box.right && event.clientY >= box.top && event.clientY <= box.bottom;
      if (!inside) dialog.close();
    }
  });
  document.body.append(dialog);
  dialog.showModal();
  return { dialog, close: () => dialog.close() };
}

/** A status line for the outcome of an action in a form (aria-live). */
export function statusLine(testId) {
  return h('p', { class: 'watch-status', role: 'status', 'aria-live': 'polite', 'data-testid': testId });
}

export function showStatus(line, message, { error = false } = {}) {
  line.textContent = message;
  line.classList.toggle('watch-status-error', error);
}
