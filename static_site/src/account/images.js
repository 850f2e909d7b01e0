// Avatars and banners: showing the right size, and the picker that uploads or removes one.
import { ApiError } from '../api.js';
import { h } from '../dom.js';
import { strings } from '../strings.js';
import { controlId, statusLine } from './forms.js';

/** The path of the smallest image at least `width` wide (PeerTube lists several sizes). */
function imagePath(images, width) {
  const list = Array.isArray(images) ? images.filter((i) => i && i.path) : [];
  const fitting = list.filter((i) => i.width >= width).sort((a, b) => a.width - b.width);
  return (fitting[0] || list[0])?.path || null;
}

/** An avatar, or the name's initial on a coloured disc when there is none. */
export function avatar(images, name, size = 48, extraClass = '') {
  const path = imagePath(images, size);
  const className = `acct-avatar ${extraClass}`.trim();
  if (path) return h('img', { src: path, alt: '', class: className, width: String(size), height: String(size), 'data-testid': 'avatar-image' });
  return h('span', { class: `${className} acct-avatar-initial`, 'aria-hidden': 'true' }, (name || '?').slice(0, 1).toUpperCase());
}

const KINDS = {
  avatar: { field: 'avatarfile', configKey: 'avatar', previewWidth: 120 },
  banner: { field: 'bannerfile', configKey: 'banner', previewWidth: 600 },
};

function labelsOf(kind) {
  return kind === 'avatar'
    ? { alt: strings.acctAvatarAlt, change: strings.acctAvatarChange, remove: strings.acctAvatarRemove, updated: strings.acctAvatarUpdated, removed: strings.acctAvatarRemoved, none: '' }
    : { alt: strings.acctBannerAlt, change: strings.acctBannerChange, remove: strings.acctBannerRemove, updated: strings.acctBannerUpdated, removed: strings.acctBannerRemoved, none: strings.acctBannerNone };
}

function humanSize(bytes) {
  return strings.acctMegabytes(Math.round((bytes / (1024 * 1024)) * 10) / 10);
}

/**
 * A preview with "Change" and "Remove": `upload(formData)` resolves to the new images,
 * `remove()` to nothing. `config` (GET /api/v1/config) gives the accepted types and size.
 */
export function imagePicker({ kind, name, images, config, upload, remove }) {
  const { field, configKey, previewWidth } = KINDS[kind];
  const labels = labelsOf(kind);
  const rules = config?.[configKey]?.file || {};
  const extensions = Array.isArray(rules.extensions) ? rules.extensions : ['.png', '.jpeg', '.jpg', '.gif', '.webp'];
  const maxSize = Number(rules.size?.max) || 4 * 1024 * 1024;
  const id = controlId(`${kind}-file`);
  const hintId = `${id}-hint`;
  const preview = h('div', { class: `acct-preview acct-preview-${kind}` });
  const status = statusLine(`${kind}-status`);
  const input = h('input', {
    id,
    type: 'file',
    class: 'visually-hidden acct-file-input',
    accept: extensions.join(','),
    'aria-describedby': hintId,
    'data-testid': `${kind}-input`,
  });
  const removeButton = h('button', { type: 'button', class: 'button button-quiet', 'data-testid': `${kind}-remove` }, labels.remove);
  let current = images;

  function draw() {
    const path = imagePath(current, previewWidth);
    preview.replaceChildren(
      path
        ? h('img', { src: path, alt: labels.alt(name), class: `acct-${kind}-image`, 'data-testid': `${kind}-preview` })
        : kind === 'avatar'
          ? avatar(null, name, 120, 'acct-avatar-large')
          : h('span', { class: 'acct-banner-empty' }, labels.none),
    );
    removeButton.hidden = !path;
  }

  async function run(work, done) {
    input.disabled = true;
    removeButton.disabled = true;
    status.show(strings.acctSaving);
    try {
      await work();
      draw();
      status.show(done);
    } catch (error) {
      const message = error instanceof ApiError ? error.fieldErrors[field] || error.message : String(error.message || error);
      status.show(message, 'error');
    } finally {
      input.disabled = false;
      removeButton.disabled = false;
    }
  }

  input.addEventListener('change', () => {
    const file = input.files?.[0];
    input.value = '';
    if (!file) return;
    const extension = `.${file.name.split('.').pop()}`.toLowerCase();
    if (!extensions.includes(extension)) {
      status.show(strings.acctErrImageType(extensions.join(', ')), 'error');
      return;
    }
    if (file.size > maxSize) {
      status.show(strings.acctErrImageSize(humanSize(maxSize)), 'error');
      return;
    }
    const form = new FormData();
    form.append(field, file);
    run(async () => {
      current = await upload(form);
    }, labels.updated);
  });
  removeButton.addEventListener('click', () =>
    run(async () => {
      await remove();
      current = [];
    }, labels.removed),
  );

  draw();
  return h(
    'div',
    { class: `acct-image-picker acct-image-picker-${kind}`, 'data-testid': `${kind}-picker` },
    preview,
    h(
      'div',
      { class: 'acct-image-actions' },
      h('p', { class: 'acct-hint', id: hintId }, strings.acctImageHint(extensions.join(', '), humanSize(maxSize))),
      h('div', { class: 'acct-buttons' }, input, h('label', { for: id, class: 'button acct-file-label' }, labels.change), removeButton),
      status.element,
    ),
  );
}
