// The form of a video's details, shared by the upload page (after a file is chosen) and
// the edit page: title, description, tags, category, licence, language, privacy, NSFW,
// comments, download, and the thumbnail (for sound, the image shown while it plays).
import { ApiError, api } from '../api.js';
import { h } from '../dom.js';
import { strings } from '../strings.js';
import { IMAGE_TYPES } from './files.js';

const MAX_TAGS = 5;
let choicesPromise = null;

/** The lists the selects offer, as the instance names them; fetched once per page load. */
export function loadChoices() {
  if (!choicesPromise) {
    const get = (what) => api.get(`/api/v1/videos/${what}`);
    choicesPromise = Promise.all(['categories', 'licences', 'languages', 'privacies'].map(get)).then(
      ([categories, licences, languages, privacies]) => ({ categories, licences, languages, privacies }),
      (error) => {
        choicesPromise = null;
        throw error;
      },
    );
  }
  return choicesPromise;
}

/** Options of a select from { id: label }, sorted by label, with an empty first choice. */
export function options(labels, selected, { empty = strings.detailsNone, sort = true } = {}) {
  const entries = Object.entries(labels || {});
  if (sort) entries.sort((a, b) => a[1].localeCompare(b[1]));
  return [
    empty !== null && h('option', { value: '' }, empty),
    ...entries.map(([id, label]) => h('option', { value: id, selected: String(selected) === id }, label)),
  ];
}

let formCount = 0;

/**
 * A details form. `video` is the video as the API shows it (or { name } for a new upload);
 * `onSubmit({ fields, thumbnail })` saves and may throw an ApiError, whose per-field
 * messages are then shown next to their fields. `leading(field)`: more fields, first in the
 * form (the go-live page's), each made by field(name, label, input, { hint, wide }).
 * Returns { element, showError(error), focusFirst() }.
 */
export function detailsForm({ video, choices, audio = false, submitLabel, onSubmit, leading = () => [] }) {
  const prefix = `details-${++formCount}`;
  const errors = new Map(); // field name -> { input, message }

  function field(name, label, input, { hint = null, wide = false } = {}) {
    const id = `${prefix}-${name}`;
    input.id = id;
    input.name = name;
    const message = h('p', { class: 'details-error', id: `${id}-error`, hidden: true, 'data-testid': `error-${name}` });
    const hintNode = hint && h('p', { class: 'details-hint', id: `${id}-hint` }, hint);
    input.setAttribute('aria-describedby', [hint && `${id}-hint`, `${id}-error`].filter(Boolean).join(' '));
    errors.set(name, { input, message });
    const checkbox = input.type === 'checkbox';
    return h(
      'div',
      { class: `details-field${checkbox ? ' details-field-check' : ''}${wide ? ' details-field-wide' : ''}` },
      checkbox ? [input, h('label', { for: id }, label)] : [h('label', { for: id }, label), input],
      hintNode,
      message,
    );
  }

  const name = h('input', { type: 'text', required: true, minlength: '3', maxlength: '120', value: video.name || '', 'data-testid': 'details-name' });
  const description = h('textarea', { rows: '5', maxlength: '10000', 'data-testid': 'details-description' });
  description.value = video.description || '';
  const tags = h('input', { type: 'text', value: (video.tags || []).join(', '), 'data-testid': 'details-tags' });
  const select = (labels, selected, testId, opts) => h('select', { 'data-testid': testId }, options(labels, selected, opts));
  const category = select(choices.categories, video.category?.id, 'details-category');
  const licence = select(choices.licences, video.licence?.id, 'details-licence');
  const language = select(choices.languages, video.language?.id, 'details-language');
  const privacy = select(choices.privacies, video.privacy?.id ?? 1, 'details-privacy', { empty: null, sort: false });
  const comments = select(
    { 1: strings.detailsCommentsEnabled, 2: strings.detailsCommentsDisabled, 3: strings.detailsCommentsApproval },
    video.commentsPolicy?.id ?? 1,
    'details-comments',
    { empty: null, sort: false },
  );
  const nsfw = h('input', { type: 'checkbox', checked: Boolean(video.nsfw), 'data-testid': 'details-nsfw' });
  const download = h('input', { type: 'checkbox', checked: video.downloadEnabled !== false, 'data-testid': 'details-download' });
  const thumbnail = h('input', { type: 'file', accept: IMAGE_TYPES, 'data-testid': 'details-thumbnail' });
  const currentPicture = video.previewPath || video.thumbnailPath;
  const preview = h('img', { class: 'details-thumbnail', alt: strings.detailsThumbnailPreview, src: currentPicture, hidden: !currentPicture });
  thumbnail.addEventListener('change', () => {
    const file = thumbnail.files[0];
    if (preview.src.startsWith('blob:')) URL.revokeObjectURL(preview.src);
    preview.src = file ? URL.createObjectURL(file) : currentPicture || '';
    preview.hidden = !file && !currentPicture;
  });

  const formError = h('div', { class: 'details-form-error', role: 'alert' });
  const submit = h('button', { type: 'submit', class: 'button', 'data-testid': 'details-save' }, submitLabel);
  const saved = h('p', { class: 'details-saved', role: 'status', 'data-testid': 'details-saved' });

  function clearErrors() {
    formError.replaceChildren();
    for (const { input, message } of errors.values()) {
      input.removeAttribute('aria-invalid');
      message.hidden = true;
      message.textContent = '';
    }
  }

  function showError(error) {
    clearErrors();
    saved.textContent = '';
    const byField = error instanceof ApiError ? error.fieldErrors : error.fieldErrors || {};
    let first = null;
    const unplaced = [];
    for (const [key, text] of Object.entries(byField)) {
      const target = errors.get(key === 'previewfile' ? 'thumbnailfile' : key);
      if (!target) {
        unplaced.push(`${key}: ${text}`);
        continue;
      }
      target.message.textContent = text;
      target.message.hidden = false;
      target.input.setAttribute('aria-invalid', 'true');
      first = first || target.input;
    }
    if (!first || unplaced.length) formError.append(h('p', {}, unplaced.length ? unplaced.join(' ') : error.message));
    (first || submit).focus();
  }

  /** The fields as PUT /api/v1/videos/{id} takes them; a field left empty is cleared. */
  function values() {
    const fields = {
      name: name.value.trim(),
      privacy: Number(privacy.value),
      nsfw: nsfw.checked,
      commentsPolicy: Number(comments.value),
      downloadEnabled: download.checked,
      tags: tags.value.split(',').map((t) => t.trim()).filter(Boolean),
      description: description.value.trim() || null,
      category: category.value ? Number(category.value) : null,
      licence: licence.value ? Number(licence.value) : null,
      language: language.value || null,
    };
    return { fields, thumbnail: thumbnail.files[0] || null };
  }

  function check({ fields }) {
    const problems = {};
    if (fields.name.length < 3) problems.name = strings.detailsNameTooShort;
    if (fields.tags.length > MAX_TAGS) problems.tags = strings.detailsTooManyTags(MAX_TAGS);
    else if (fields.tags.some((t) => t.length < 2 || t.length > 30)) problems.tags = strings.detailsTagLength;
    return problems;
  }

  const form = h(
    'form',
    {
      class: 'details-form',
      novalidate: true,
      'data-testid': 'details-form',
      async onsubmit(event) {
        event.preventDefault();
        const current = values();
        const problems = check(current);
        if (Object.keys(problems).length) return showError({ message: '', fieldErrors: problems });
        clearErrors();
        submit.disabled = true;
        saved.textContent = strings.detailsSaving;
        try {
          await onSubmit(current);
          saved.textContent = strings.detailsSaved;
        } catch (error) {
          showError(error);
        } finally {
          submit.disabled = false;
        }
      },
    },
    h(
      'div',
      { class: 'details-grid' },
      leading(field),
      field('name', strings.detailsName, name, { wide: true }),
      field('description', strings.detailsDescription, description, { wide: true }),
      field('tags', strings.detailsTags, tags, { hint: strings.detailsTagsHint(MAX_TAGS) }),
      field('privacy', strings.detailsPrivacy, privacy),
      field('category', strings.detailsCategory, category),
      field('licence', strings.detailsLicence, licence),
      field('language', strings.detailsLanguage, language),
      field('commentsPolicy', strings.detailsComments, comments),
      field('nsfw', strings.detailsNsfw, nsfw, { hint: strings.detailsNsfwHint }),
      field('downloadEnabled', strings.detailsDownload, download),
      field('thumbnailfile', audio ? strings.detailsAudioImage : strings.detailsThumbnail, thumbnail, {
        hint: audio ? strings.detailsAudioImageHint : strings.detailsThumbnailHint,
        wide: true,
      }),
      preview,
    ),
    formError,
    h('div', { class: 'details-actions' }, submit, saved),
  );
  return { element: form, showError, focusFirst: () => name.focus() };
}

/** Saves a form's values: the fields as JSON, then the picture (as PeerTube's client does,
 * one image for both the thumbnail and the larger preview). */
export async function saveDetails(id, { fields, thumbnail }) {
  await api.put(`/api/v1/videos/${encodeURIComponent(id)}`, { json: fields });
  await savePicture(id, thumbnail);
}

export async function savePicture(id, thumbnail) {
  if (!thumbnail) return;
  const form = new FormData();
  form.append('thumbnailfile', thumbnail);
  form.append('previewfile', thumbnail);
  await api.put(`/api/v1/videos/${encodeURIComponent(id)}`, { form });
}
