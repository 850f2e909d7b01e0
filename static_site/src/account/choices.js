// Controls for settings that apply as soon as they change: radio groups, switches and the
// list of video languages.
import { h } from '../dom.js';
import { strings } from '../strings.js';
import { controlId } from './forms.js';

/** A fieldset of radios; `onChange(value)` when another is chosen. Returns { element, set }. */
export function radioGroup({ name, legend, hint, options, value, onChange }) {
  const hintId = hint ? controlId(`${name}-hint`) : null;
  const groupName = controlId(name);
  const inputs = options.map((option) => {
    const id = controlId(`${name}-${option.value}`);
    const input = h('input', { type: 'radio', id, name: groupName, value: option.value, 'data-testid': `${name}-${option.value}` });
    input.checked = option.value === value;
    input.addEventListener('change', () => {
      if (input.checked) onChange(option.value);
    });
    return h(
      'div',
      { class: 'acct-choice' },
      input,
      h('label', { for: id }, h('span', { class: 'acct-choice-label' }, option.label), option.hint && h('span', { class: 'acct-choice-hint' }, option.hint)),
    );
  });
  const element = h(
    'fieldset',
    { class: 'acct-fieldset acct-radios', 'aria-describedby': hintId, 'data-testid': `${name}-group` },
    h('legend', {}, legend),
    hint && h('p', { class: 'acct-hint', id: hintId }, hint),
    inputs,
  );
  return {
    element,
    set(next) {
      for (const input of element.querySelectorAll('input')) input.checked = input.value === next;
    },
  };
}

/** A checkbox that applies at once; `onChange(checked)`. Returns { element, set }. */
export function toggle({ name, label, hint, checked, onChange }) {
  const id = controlId(name);
  const hintId = hint ? `${id}-hint` : null;
  const input = h('input', { type: 'checkbox', id, class: 'acct-checkbox', 'aria-describedby': hintId, 'data-testid': `${name}-toggle` });
  input.checked = Boolean(checked);
  input.addEventListener('change', () => onChange(input.checked));
  return {
    element: h(
      'div',
      { class: 'acct-field acct-toggle' },
      h('span', { class: 'acct-inline' }, input, h('label', { for: id }, label)),
      hint && h('p', { class: 'acct-hint', id: hintId }, hint),
    ),
    set(next) {
      input.checked = Boolean(next);
    },
  };
}

const MAX_LANGUAGES = 20;

/**
 * The video languages one wants to see, from PeerTube's {code: label} list, with a filter
 * box. None chosen means every language. `onChange(codes or null)` after each change;
 * `onRefused(message)` when the user tries to pick more than the server takes.
 */
export function languagePicker({ languages, selected, onChange, onRefused }) {
  const chosen = new Set(selected || []);
  const entries = Object.entries(languages || {}).sort((a, b) => a[1].localeCompare(b[1]));
  const label = (code) => languages?.[code] || code;
  const filterId = controlId('language-filter');
  const hintId = controlId('languages-hint');
  const summary = h('p', { class: 'acct-languages-summary', 'data-testid': 'languages-summary' });
  const clear = h('button', { type: 'button', class: 'button button-quiet', 'data-testid': 'languages-clear' }, strings.acctLanguagesAll);
  const filter = h('input', { type: 'search', id: filterId, class: 'acct-input', autocomplete: 'off', 'aria-controls': `${filterId}-list`, 'data-testid': 'languages-filter' });
  const noMatch = h('p', { class: 'acct-hint', hidden: true }, strings.acctLanguagesNoMatch);
  const boxes = new Map();
  const items = entries.map(([code, name]) => {
    const id = controlId(`lang-${code}`);
    const box = h('input', { type: 'checkbox', id, value: code, 'data-testid': `language-${code}` });
    box.checked = chosen.has(code);
    box.addEventListener('change', () => {
      if (box.checked && chosen.size >= MAX_LANGUAGES) {
        box.checked = false;
        onRefused(strings.acctLanguagesTooMany(MAX_LANGUAGES));
        return;
      }
      if (box.checked) chosen.add(code);
      else chosen.delete(code);
      changed();
    });
    boxes.set(code, box);
    return h('li', { 'data-name': name.toLowerCase(), 'data-code': code }, h('span', { class: 'acct-inline' }, box, h('label', { for: id }, name)));
  });
  const list = h('ul', { class: 'acct-languages', id: `${filterId}-list`, 'aria-label': strings.acctLanguagesLegend }, items);

  function drawSummary() {
    summary.textContent = chosen.size ? strings.acctLanguagesChosen([...chosen].map(label).join(', ')) : strings.acctLanguagesEvery;
    clear.hidden = chosen.size === 0;
  }
  function changed() {
    drawSummary();
    onChange(chosen.size ? [...chosen] : null);
  }
  filter.addEventListener('input', () => {
    const text = filter.value.trim().toLowerCase();
    let shown = 0;
    for (const item of items) {
      const match = !text || item.dataset.name.includes(text) || item.dataset.code.toLowerCase() === text;
      item.hidden = !match;
      if (match) shown += 1;
    }
    noMatch.hidden = shown > 0;
  });
  clear.addEventListener('click', () => {
    chosen.clear();
    for (const box of boxes.values()) box.checked = false;
    changed();
  });
  drawSummary();

  return {
    element: h(
      'fieldset',
      { class: 'acct-fieldset', 'aria-describedby': hintId, 'data-testid': 'languages' },
      h('legend', {}, strings.acctLanguagesLegend),
      h('p', { class: 'acct-hint', id: hintId }, strings.acctLanguagesHint),
      h('div', { class: 'acct-languages-bar' }, summary, clear),
      h('label', { class: 'acct-label', for: filterId }, strings.acctLanguagesFilter),
      filter,
      list,
      noMatch,
    ),
    set(codes) {
      chosen.clear();
      for (const code of codes || []) chosen.add(code);
      for (const [code, box] of boxes) box.checked = chosen.has(code);
      drawSummary();
    },
  };
}
