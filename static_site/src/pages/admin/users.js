// /admin/users (list, search, block, delete), /admin/users/create and /admin/users/{id}
// (role, quotas, email): PeerTube's user management, for moderators and administrators.
import {
  adminFrame,
  fill,
  button,
  checkRequired,
  clearFieldErrors,
  confirmDialog,
  dataTable,
  dateCell,
  emptyState,
  field,
  formatBytes,
  pager,
  quotaField,
  roleName,
  roleOptions,
  runAction,
  searchForm,
  setFlash,
  showFormError,
  startFrom,
} from '../../admin/common.js';
import { api, getConfig } from '../../api.js';
import { loadingIndicator } from '../../components.js';
import { h } from '../../dom.js';
import { Role, session } from '../../session.js';
import { strings } from '../../strings.js';

const PAGE_SIZE = 20;

export async function adminUsersPage(ctx) {
  const frame = await adminFrame(ctx, { role: Role.MODERATOR, title: strings.adminUsersTitle });
  if (!frame) return;
  const { body, status } = frame;
  const start = startFrom(ctx);
  const search = ctx.query.get('search') || '';
  const results = h('div', { class: 'admin-results' }, loadingIndicator());
  body.append(
    h(
      'div',
      { class: 'admin-toolbar' },
      searchForm(ctx, { label: strings.adminSearchUsers }),
      h('a', { href: '/admin/users/create', class: 'button', 'data-testid': 'create-user-link' }, strings.adminCreateUser),
    ),
    results,
  );

  const page = await api.get('/api/v1/users', {
    query: { start, count: PAGE_SIZE, search, sort: search ? 'username' : '-createdAt' },
    signal: ctx.signal,
  });
  const users = page.data || [];

  const actions = (user) => {
    const self = user.id === session.user?.id;
    const cell = h('div', { class: 'admin-row-actions' });
    cell.append(h('a', { href: `/admin/users/${user.id}`, class: 'button button-quiet', 'data-testid': 'edit-user' }, strings.adminEdit, h('span', { class: 'visually-hidden' }, ` ${user.username}`)));
    if (self) return cell;
    const toggle = button(user.blocked ? strings.adminUnblock : strings.adminBlock, async () => {
      if (user.blocked) {
        if (await runAction(toggle, status, () => api.post(`/api/v1/users/${user.id}/unblock`))) {
          setFlash(strings.adminUserUnblocked(user.username));
          ctx.reload();
        }
        return;
      }
      const answer = await confirmDialog({
        title: strings.adminBlockUserTitle(user.username),
        text: strings.adminBlockUserText,
        confirmLabel: strings.adminBlock,
        danger: true,
        input: { label: strings.adminBlockReason, minLength: 3, maxLength: 250, hint: strings.adminOptional },
      });
      if (!answer) return;
      const json = answer.text ? { reason: answer.text } : {};
      if (await runAction(toggle, status, () => api.post(`/api/v1/users/${user.id}/block`, { json }))) {
        setFlash(strings.adminUserBlocked(user.username));
        ctx.reload();
      }
    }, { quiet: true, testId: user.blocked ? 'unblock-user' : 'block-user', 'aria-label': `${user.blocked ? strings.adminUnblock : strings.adminBlock} ${user.username}` });
    const remove = button(strings.adminDelete, async () => {
      const answer = await confirmDialog({
        title: strings.adminDeleteUserTitle(user.username),
        text: strings.adminDeleteUserText,
        confirmLabel: strings.adminDelete,
        danger: true,
      });
      if (answer && (await runAction(remove, status, () => api.delete(`/api/v1/users/${user.id}`)))) {
        setFlash(strings.adminUserDeleted(user.username));
        ctx.reload();
      }
    }, { quiet: true, danger: true, testId: 'delete-user', 'aria-label': `${strings.adminDelete} ${user.username}` });
    cell.append(toggle, remove);
    return cell;
  };

  fill(results, 
    users.length === 0
      ? emptyState(search ? strings.adminNoUsersFound(search) : strings.adminNoUsers)
      : dataTable({
          caption: strings.adminUsersTitle,
          rowTestId: 'user-row',
          items: users,
          columns: [
            {
              title: strings.adminUsername,
              cell: (u) => [
                h('a', { href: `/admin/users/${u.id}`, class: 'admin-strong' }, u.username),
                u.blocked && h('span', { class: 'admin-badge admin-badge-danger', 'data-testid': 'user-blocked' }, strings.adminBlocked),
                u.blocked && u.blockedReason && h('span', { class: 'admin-note' }, u.blockedReason),
              ],
            },
            { title: strings.adminEmail, cell: (u) => u.email },
            { title: strings.adminRole, cell: (u) => h('span', { 'data-testid': 'user-role' }, roleName(u.role)) },
            { title: strings.adminQuota, cell: (u) => formatBytes(u.videoQuota) },
            { title: strings.adminCreated, cell: (u) => dateCell(u.createdAt) },
            { title: strings.adminActions, cell: actions, className: 'admin-cell-actions' },
          ],
        }),
    pager(ctx, { start, count: PAGE_SIZE, total: Number(page.total) || 0 }),
  );
  ctx.contentReady();
}

export async function adminCreateUserPage(ctx) {
  const frame = await adminFrame(ctx, { role: Role.MODERATOR, title: strings.adminCreateUserTitle });
  if (!frame) return;
  const { body, status } = frame;
  const config = await getConfig().catch(() => null);
  const fields = {
    username: field({ label: strings.adminUsername, name: 'username', required: true, autocomplete: 'off', autocapitalize: 'none', hint: strings.adminUsernameHint, maxlength: 50, invalid: strings.adminUsernameInvalid }),
    email: field({ label: strings.adminEmail, name: 'email', type: 'email', required: true, autocomplete: 'off', invalid: strings.adminEmailInvalid }),
    password: field({ label: strings.adminPassword, name: 'password', type: 'password', required: true, minlength: 6, autocomplete: 'new-password', hint: strings.adminPasswordHint, invalid: strings.adminPasswordInvalid }),
    role: field({ label: strings.adminRole, name: 'role', type: 'select', value: Role.USER, options: roleOptions() }),
    videoQuota: quotaField({ label: strings.adminQuota, name: 'videoQuota', value: config?.user?.videoQuota ?? -1 }),
    videoQuotaDaily: quotaField({ label: strings.adminDailyQuota, name: 'videoQuotaDaily', value: config?.user?.videoQuotaDaily ?? -1, daily: true }),
  };
  const submit = button(strings.adminCreateUser, null, { type: 'submit', testId: 'create-user-submit' });
  const form = h(
    'form',
    { class: 'admin-form admin-narrow', novalidate: true },
    Object.values(fields).map((f) => f.element),
    h('div', { class: 'admin-actions' }, h('a', { href: '/admin/users', class: 'button button-quiet' }, strings.adminCancel), submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(fields);
    if (!checkRequired(fields)) return;
    const json = {
      username: fields.username.value().trim(),
      email: fields.email.value().trim(),
      password: fields.password.value(),
      role: Number(fields.role.value()),
      videoQuota: fields.videoQuota.value(),
      videoQuotaDaily: fields.videoQuotaDaily.value(),
    };
    submit.disabled = true;
    try {
      await api.post('/api/v1/users', { json });
      setFlash(strings.adminUserCreated(json.username));
      ctx.navigate(`/admin/users?search=${encodeURIComponent(json.username)}`);
    } catch (error) {
      showFormError(error, fields, status);
    } finally {
      submit.disabled = false;
    }
  });
  body.append(form);
  fields.username.input.focus();
  ctx.contentReady();
}

export async function adminEditUserPage(ctx) {
  const frame = await adminFrame(ctx, { role: Role.MODERATOR, title: strings.adminEditUserTitle });
  if (!frame) return;
  const { body, status, heading } = frame;
  body.append(loadingIndicator());
  const user = await api.get(`/api/v1/users/${encodeURIComponent(ctx.params.id)}`, { query: { withStats: true }, signal: ctx.signal });
  heading.textContent = strings.adminEditUserHeading(user.username);
  const roles = roleOptions();
  const roleId = Number(user.role?.id ?? user.role);
  const fields = {
    email: field({ label: strings.adminEmail, name: 'email', type: 'email', value: user.email, required: true, invalid: strings.adminEmailInvalid }),
    // A moderator sees a staff member's role but cannot change it.
    role: field({
      label: strings.adminRole,
      name: 'role',
      type: 'select',
      value: roleId,
      options: roles.some(([v]) => v === roleId) ? roles : [[roleId, roleName(roleId)]],
      disabled: user.id === session.user?.id || !roles.some(([v]) => v === roleId) || null,
    }),
    videoQuota: quotaField({ label: strings.adminQuota, name: 'videoQuota', value: user.videoQuota }),
    videoQuotaDaily: quotaField({ label: strings.adminDailyQuota, name: 'videoQuotaDaily', value: user.videoQuotaDaily, daily: true }),
  };
  const submit = button(strings.adminSave, null, { type: 'submit', testId: 'save-user' });
  const used = typeof user.videoQuotaUsed === 'number' ? strings.adminQuotaUsed(formatBytes(user.videoQuotaUsed), formatBytes(user.videoQuota)) : null;
  const form = h(
    'form',
    { class: 'admin-form admin-narrow', novalidate: true },
    h(
      'dl',
      { class: 'admin-facts' },
      h('dt', {}, strings.adminUsername),
      h('dd', {}, user.username),
      used && [h('dt', {}, strings.adminQuotaUsedLabel), h('dd', {}, used)],
      typeof user.videosCount === 'number' && [h('dt', {}, strings.adminVideos), h('dd', {}, String(user.videosCount))],
      h('dt', {}, strings.adminStatus),
      h('dd', { 'data-testid': 'user-state' }, user.blocked ? [strings.adminBlocked, user.blockedReason ? ` — ${user.blockedReason}` : ''] : strings.adminActive),
    ),
    Object.values(fields).map((f) => f.element),
    h('div', { class: 'admin-actions' }, h('a', { href: '/admin/users', class: 'button button-quiet' }, strings.adminBackToUsers), submit),
  );
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(fields);
    if (!checkRequired(fields)) return;
    const json = { email: fields.email.value().trim(), videoQuota: fields.videoQuota.value(), videoQuotaDaily: fields.videoQuotaDaily.value() };
    if (!fields.role.input.disabled) json.role = Number(fields.role.value());
    submit.disabled = true;
    try {
      await api.put(`/api/v1/users/${user.id}`, { json });
      status.set(strings.adminUserSaved(user.username), 'success');
    } catch (error) {
      showFormError(error, fields, status);
    } finally {
      submit.disabled = false;
    }
  });
  body.replaceChildren(form);
  ctx.contentReady();
}

export async function adminRegistrationsPage(ctx) {
  const frame = await adminFrame(ctx, { role: Role.MODERATOR, title: strings.adminRegistrationsTitle });
  if (!frame) return;
  const { body, status } = frame;
  const start = startFrom(ctx);
  const search = ctx.query.get('search') || '';
  const results = h('div', { class: 'admin-results' }, loadingIndicator());
  body.append(searchForm(ctx, { label: strings.adminSearchRegistrations }), results);
  const page = await api.get('/api/v1/users/registrations', { query: { start, count: PAGE_SIZE, search, sort: '-createdAt' }, signal: ctx.signal });
  const items = page.data || [];

  const moderate = (registration, verb) => {
    const accept = verb === 'accept';
    const control = button(accept ? strings.adminAccept : strings.adminReject, async () => {
      const answer = await confirmDialog({
        title: (accept ? strings.adminAcceptRegistrationTitle : strings.adminRejectRegistrationTitle)(registration.username),
        confirmLabel: accept ? strings.adminAccept : strings.adminReject,
        danger: !accept,
        input: { label: strings.adminModerationResponse, required: true, minLength: 2, maxLength: 3000, hint: strings.adminModerationResponseHint },
      });
      if (!answer) return;
      const done = await runAction(control, status, () =>
        api.post(`/api/v1/users/registrations/${registration.id}/${verb}`, { json: { moderationResponse: answer.text } }),
      );
      if (done) {
        setFlash((accept ? strings.adminRegistrationAccepted : strings.adminRegistrationRejected)(registration.username));
        ctx.reload();
      }
    }, { quiet: !accept, danger: !accept, testId: `${verb}-registration`, 'aria-label': `${accept ? strings.adminAccept : strings.adminReject} ${registration.username}` });
    return control;
  };
  const removeButton = (registration) => {
    const control = button(strings.adminDelete, async () => {
      const answer = await confirmDialog({ title: strings.adminDeleteRegistrationTitle(registration.username), confirmLabel: strings.adminDelete, danger: true });
      if (answer && (await runAction(control, status, () => api.delete(`/api/v1/users/registrations/${registration.id}`)))) ctx.reload();
    }, { quiet: true, danger: true, 'aria-label': `${strings.adminDelete} ${registration.username}` });
    return control;
  };

  fill(results, 
    items.length === 0
      ? emptyState(strings.adminNoRegistrations)
      : dataTable({
          caption: strings.adminRegistrationsTitle,
          rowTestId: 'registration-row',
          items,
          columns: [
            { title: strings.adminUsername, cell: (r) => [h('span', { class: 'admin-strong' }, r.username), h('span', { class: 'admin-note' }, r.email)] },
            { title: strings.adminRegistrationReason, cell: (r) => h('span', { class: 'admin-prewrap' }, r.registrationReason || '') },
            {
              title: strings.adminState,
              cell: (r) => [h('span', { class: `admin-badge admin-badge-state-${r.state?.id}` }, r.state?.label || ''), r.moderationResponse && h('span', { class: 'admin-note' }, r.moderationResponse)],
            },
            { title: strings.adminCreated, cell: (r) => dateCell(r.createdAt) },
            {
              title: strings.adminActions,
              className: 'admin-cell-actions',
              // 1: pending, waiting for a moderator.
              cell: (r) => h('div', { class: 'admin-row-actions' }, r.state?.id === 1 ? [moderate(r, 'accept'), moderate(r, 'reject')] : removeButton(r)),
            },
          ],
        }),
    pager(ctx, { start, count: PAGE_SIZE, total: Number(page.total) || 0 }),
  );
  ctx.contentReady();
}
