// /admin/settings: the instance's settings (PeerTube's custom configuration), for
// administrators. The whole document read is sent back with the changes, as PeerTube's
// own client does; the server names each refused setting by its path.
import { adminFrame, button, checkRequired, clearFieldErrors, field, quotaField, showFormError } from '../../admin/common.js';
import { api } from '../../api.js';
import { loadingIndicator } from '../../components.js';
import { h } from '../../dom.js';
import { Role } from '../../session.js';
import { loadInstanceName } from '../../shell.js';
import { strings } from '../../strings.js';

// [path in the CustomConfig, label, kind, extra field attributes]
const INSTANCE_TEXTS = [
  ['instance.shortDescription', () => strings.adminShortDescription, { maxlength: 250, rows: 2 }],
  ['instance.description', () => strings.adminDescription, {}],
  ['instance.terms', () => strings.adminTerms, {}],
  ['instance.codeOfConduct', () => strings.adminCodeOfConduct, {}],
  ['instance.moderationInformation', () => strings.adminModerationInformation, {}],
  ['instance.rules', () => strings.adminRules, {}],
  ['instance.creationReason', () => strings.adminCreationReason, {}],
  ['instance.administrator', () => strings.adminAdministrator, {}],
  ['instance.maintenanceLifetime', () => strings.adminMaintenanceLifetime, {}],
  ['instance.businessModel', () => strings.adminBusinessModel, {}],
  ['instance.hardwareInformation', () => strings.adminHardwareInformation, {}],
];

function read(document, path) {
  return path.split('.').reduce((node, key) => (node && typeof node === 'object' ? node[key] : undefined), document);
}

function write(document, path, value) {
  const keys = path.split('.');
  let node = document;
  for (const key of keys.slice(0, -1)) node = node[key] ||= {};
  node[keys.at(-1)] = value;
}

function fieldset(legend, ...children) {
  return h('fieldset', { class: 'admin-fieldset' }, h('legend', {}, legend), children);
}

export async function adminSettingsPage(ctx) {
  const frame = await adminFrame(ctx, { role: Role.ADMINISTRATOR, title: strings.adminSettingsTitle });
  if (!frame) return;
  const { body, status } = frame;
  body.append(loadingIndicator());
  const custom = await api.get('/api/v1/config/custom', { signal: ctx.signal });
  body.replaceChildren(settingsForm(custom, status));
  ctx.contentReady();
}

function settingsForm(custom, status) {
  // Fields by their path in the CustomConfig: the names of the server's field errors.
  const fields = {};
  const add = (path, options) => {
    fields[path] = field({ name: path, testId: `setting-${path}`, value: read(custom, path), ...options });
    return fields[path].element;
  };
  const present = (path) => read(custom, path) !== undefined;

  const instance = fieldset(
    strings.adminInstanceLegend,
    add('instance.name', { label: strings.adminInstanceName, required: true, maxlength: 120 }),
    INSTANCE_TEXTS.filter(([path]) => present(path)).map(([path, label, attrs]) => add(path, { label: label(), type: 'textarea', ...attrs })),
    present('instance.isNSFW') && add('instance.isNSFW', { label: strings.adminIsNsfw, type: 'checkbox', hint: strings.adminIsNsfwHint }),
  );

  const display = fieldset(
    strings.adminDisplayLegend,
    add('instance.defaultNSFWPolicy', {
      label: strings.adminDefaultNsfwPolicy,
      type: 'select',
      hint: strings.adminDefaultNsfwPolicyHint,
      options: [
        ['display', strings.adminNsfwDisplay],
        ['blur', strings.adminNsfwBlur],
        ['do_not_list', strings.adminNsfwHide],
      ],
    }),
    present('theme.default') &&
      add('theme.default', {
        label: strings.adminDefaultTheme,
        type: 'select',
        hint: strings.adminDefaultThemeHint,
        options: [
          ['default', strings.adminThemeSystem],
          ['peerless-light', strings.adminThemeLight],
          ['peerless-dark', strings.adminThemeDark],
        ],
      }),
  );

  const signup = fieldset(
    strings.adminSignupLegend,
    add('signup.enabled', { label: strings.adminSignupEnabled, type: 'checkbox' }),
    add('signup.requiresApproval', { label: strings.adminSignupApproval, type: 'checkbox', hint: strings.adminSignupApprovalHint }),
    add('signup.limit', { label: strings.adminSignupLimit, type: 'number', min: -1, step: 1, hint: strings.adminSignupLimitHint, inputmode: 'numeric' }),
    add('signup.minimumAge', { label: strings.adminSignupMinimumAge, type: 'number', min: 1, max: 120, step: 1, inputmode: 'numeric' }),
  );

  fields['user.videoQuota'] = quotaField({ label: strings.adminDefaultQuota, name: 'user.videoQuota', value: read(custom, 'user.videoQuota'), hint: strings.adminDefaultQuotaHint });
  fields['user.videoQuotaDaily'] = quotaField({ label: strings.adminDefaultDailyQuota, name: 'user.videoQuotaDaily', value: read(custom, 'user.videoQuotaDaily'), daily: true });
  const users = fieldset(strings.adminUsersLegend, fields['user.videoQuota'].element, fields['user.videoQuotaDaily'].element);

  // The ladder: one checkbox a rung; "0p" (audio only) is not offered by this instance.
  const resolutions = read(custom, 'transcoding.resolutions') || {};
  const rungs = Object.keys(resolutions)
    .filter((key) => key !== '0p')
    .sort((a, b) => Number.parseInt(a, 10) - Number.parseInt(b, 10));
  const rungFields = rungs.map((key) => [key, field({ label: key, name: `resolution-${key}`, testId: `resolution-${key}`, type: 'checkbox', value: resolutions[key] })]);
  const resolutionError = h('p', { class: 'field-error', id: 'resolutions-error', hidden: true });
  fields['transcoding.resolutions'] = {
    input: rungFields[0]?.[1].input,
    setError(text) {
      resolutionError.textContent = text || '';
      resolutionError.hidden = !text;
    },
  };
  const formats = [
    ['transcoding.hls.enabled', strings.adminHls],
    ['transcoding.webVideos.enabled', strings.adminWebVideos],
  ].filter(([path]) => present(path));
  const transcoding = fieldset(
    strings.adminTranscodingLegend,
    h('p', { class: 'field-hint' }, strings.adminResolutionsHint),
    h('div', { class: 'admin-checks', role: 'group', 'aria-label': strings.adminResolutions, 'aria-describedby': 'resolutions-error' }, rungFields.map(([, f]) => f.element)),
    resolutionError,
    formats.length > 0 && h('p', { class: 'field-hint' }, strings.adminFormatsFixed),
    formats.map(([path, label]) => field({ name: path, testId: `setting-${path}`, label, type: 'checkbox', value: read(custom, path), disabled: true }).element),
  );

  const save = button(strings.adminSave, null, { type: 'submit', testId: 'settings-save' });
  const form = h(
    'form',
    { class: 'admin-form admin-settings', novalidate: true, 'data-testid': 'admin-settings-form' },
    instance,
    display,
    signup,
    users,
    transcoding,
    h('div', { class: 'admin-actions admin-sticky-actions' }, save),
  );

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(fields);
    status.clear();
    if (!checkRequired(fields)) return;
    const changed = structuredClone(custom);
    for (const [path, f] of Object.entries(fields)) {
      if (path !== 'transcoding.resolutions') write(changed, path, f.value());
    }
    for (const [key, f] of rungFields) write(changed, `transcoding.resolutions.${key}`, f.value());
    save.disabled = true;
    status.set(strings.adminSaving, 'info');
    try {
      const saved = await api.put('/api/v1/config/custom', { json: changed });
      Object.assign(custom, saved || changed);
      status.set(strings.adminSettingsSaved, 'success');
      // The frame shows the instance's name: refresh it at once.
      await loadInstanceName({ fresh: true });
    } catch (error) {
      showFormError(error, fields, status);
    } finally {
      save.disabled = false;
    }
  });
  return form;
}
