// /admin/moderation/abuses: the reports of videos, comments and accounts, filtered by
// state; a moderator accepts or rejects each with a comment, talks with the reporter in
// its messages, or deletes it.
import {
  adminFrame,
  fill,
  button,
  confirmDialog,
  dateCell,
  emptyState,
  errorText,
  field,
  handle,
  pager,
  runAction,
  searchForm,
  setFlash,
  startFrom,
  statusLine,
} from '../../admin/common.js';
import { api } from '../../api.js';
import { loadingIndicator, watchPath } from '../../components.js';
import { h } from '../../dom.js';
import { Role } from '../../session.js';
import { strings } from '../../strings.js';

const PAGE_SIZE = 10;
// PeerTube's abuse states.
const PENDING = 1;
const REJECTED = 2;
const ACCEPTED = 3;

function stateName(state) {
  const id = Number(state?.id ?? state);
  return { [PENDING]: strings.adminAbusePending, [REJECTED]: strings.adminAbuseRejected, [ACCEPTED]: strings.adminAbuseAccepted }[id] || state?.label || '';
}

export async function adminAbusesPage(ctx) {
  const frame = await adminFrame(ctx, { role: Role.MODERATOR, title: strings.adminAbusesTitle });
  if (!frame) return;
  const { body, status } = frame;
  const start = startFrom(ctx);
  const state = ['1', '2', '3'].includes(ctx.query.get('state')) ? ctx.query.get('state') : '';
  const search = ctx.query.get('search') || '';
  const stateSelect = field({
    label: strings.adminAbuseStateFilter,
    name: 'state',
    type: 'select',
    value: state,
    testId: 'abuse-state-filter',
    options: [
      ['', strings.adminAbuseAll],
      [PENDING, strings.adminAbusePending],
      [ACCEPTED, strings.adminAbuseAccepted],
      [REJECTED, strings.adminAbuseRejected],
    ],
  });
  const kind = ['video', 'comment', 'account'].includes(ctx.query.get('filter')) ? ctx.query.get('filter') : '';
  const kindSelect = field({
    label: strings.adminAbuseKindFilter,
    name: 'filter',
    type: 'select',
    value: kind,
    testId: 'abuse-kind-filter',
    options: [
      ['', strings.adminAbuseAll],
      ['video', strings.adminAbuseVideos],
      ['comment', strings.adminAbuseComments],
      ['account', strings.adminAbuseAccounts],
    ],
  });
  const results = h('div', { class: 'admin-results' }, loadingIndicator());
  body.append(searchForm(ctx, { label: strings.adminSearchAbuses, extra: [stateSelect.element, kindSelect.element] }), results);

  const page = await api.get('/api/v1/abuses', { query: { start, count: PAGE_SIZE, state, filter: kind, search, sort: '-createdAt' }, signal: ctx.signal });
  const abuses = page.data || [];
  fill(results, 
    abuses.length === 0
      ? emptyState(state || kind || search ? strings.adminNoAbusesFound : strings.adminNoAbuses)
      : h('ol', { class: 'admin-cards' }, abuses.map((abuse) => h('li', {}, abuseCard(ctx, abuse, status)))),
    pager(ctx, { start, count: PAGE_SIZE, total: Number(page.total) || 0 }),
  );
  ctx.contentReady();
}

function target(abuse) {
  if (abuse.video) {
    const v = abuse.video;
    return h(
      'div',
      { class: 'admin-target' },
      v.thumbnailPath && h('img', { src: v.thumbnailPath, alt: '', class: 'admin-thumb', width: '160', height: '90', loading: 'lazy' }),
      h(
        'div',
        {},
        h('p', { class: 'admin-target-kind' }, strings.adminReportedVideo),
        v.deleted ? h('span', { class: 'admin-strong' }, v.name) : h('a', { href: watchPath(v), class: 'admin-strong', 'data-testid': 'abuse-video' }, v.name),
        v.deleted && h('span', { class: 'admin-badge admin-badge-danger' }, strings.adminDeletedVideo),
        v.blacklisted && h('span', { class: 'admin-badge' }, strings.adminBlockedVideo),
        v.channel && h('p', { class: 'admin-note' }, strings.adminInChannel(v.channel.displayName || v.channel.name)),
        typeof v.countReports === 'number' && v.countReports > 1 && h('p', { class: 'admin-note' }, strings.adminReportsOnVideo(v.countReports)),
      ),
    );
  }
  if (abuse.comment) {
    const c = abuse.comment;
    return h(
      'div',
      { class: 'admin-target' },
      h(
        'div',
        {},
        h('p', { class: 'admin-target-kind' }, strings.adminReportedComment),
        h('blockquote', { class: 'admin-quote' }, c.deleted ? strings.adminDeletedComment : c.text || ''),
        c.video && h('a', { href: watchPath(c.video) }, strings.adminCommentOn(c.video.name || '')),
      ),
    );
  }
  return h('div', { class: 'admin-target' }, h('div', {}, h('p', { class: 'admin-target-kind' }, strings.adminReportedAccount), h('span', { class: 'admin-strong' }, handle(abuse.flaggedAccount))));
}

function abuseCard(ctx, abuse, status) {
  const stateId = Number(abuse.state?.id);
  const setState = (next) => {
    const accept = next === ACCEPTED;
    const control = button(accept ? strings.adminAbuseAccept : strings.adminAbuseReject, async () => {
      const answer = await confirmDialog({
        title: (accept ? strings.adminAbuseAcceptTitle : strings.adminAbuseRejectTitle)(abuse.id),
        confirmLabel: accept ? strings.adminAbuseAccept : strings.adminAbuseReject,
        input: { label: strings.adminModerationComment, minLength: 2, maxLength: 3000, hint: strings.adminModerationCommentHint, value: abuse.moderationComment || '' },
      });
      if (!answer) return;
      const json = { state: next, ...(answer.text ? { moderationComment: answer.text } : {}) };
      if (await runAction(control, status, () => api.put(`/api/v1/abuses/${abuse.id}`, { json }))) {
        setFlash((accept ? strings.adminAbuseAcceptedFlash : strings.adminAbuseRejectedFlash)(abuse.id));
        ctx.reload();
      }
    }, { quiet: !accept, testId: accept ? 'accept-abuse' : 'reject-abuse' });
    return control;
  };
  const remove = button(strings.adminDelete, async () => {
    const answer = await confirmDialog({ title: strings.adminAbuseDeleteTitle(abuse.id), text: strings.adminAbuseDeleteText, confirmLabel: strings.adminDelete, danger: true });
    if (answer && (await runAction(remove, status, () => api.delete(`/api/v1/abuses/${abuse.id}`)))) {
      setFlash(strings.adminAbuseDeleted(abuse.id));
      ctx.reload();
    }
  }, { quiet: true, danger: true, testId: 'delete-abuse' });

  const thread = messagesThread(abuse);
  const headingId = `abuse-${abuse.id}-title`;
  return h(
    'article',
    { class: 'admin-card', 'aria-labelledby': headingId, 'data-testid': 'abuse-card', 'data-abuse-id': String(abuse.id) },
    h(
      'header',
      { class: 'admin-card-header' },
      h('h2', { id: headingId, class: 'admin-card-title' }, strings.adminAbuseHeading(abuse.id)),
      h('span', { class: `admin-badge admin-badge-abuse-${stateId}`, 'data-testid': 'abuse-state' }, stateName(abuse.state)),
      h('span', { class: 'admin-note' }, dateCell(abuse.createdAt)),
    ),
    target(abuse),
    h(
      'dl',
      { class: 'admin-facts' },
      h('dt', {}, strings.adminAbuseReason),
      h('dd', { class: 'admin-prewrap', 'data-testid': 'abuse-reason' }, abuse.reason),
      abuse.predefinedReasons?.length > 0 && [h('dt', {}, strings.adminAbuseCategories), h('dd', {}, abuse.predefinedReasons.map((r) => strings.adminPredefinedReason(r)).join(', '))],
      h('dt', {}, strings.adminReporter),
      h('dd', {}, handle(abuse.reporterAccount), typeof abuse.countReportsForReporter === 'number' && h('span', { class: 'admin-note' }, ` ${strings.adminReportsCount(abuse.countReportsForReporter)}`)),
      h('dt', {}, strings.adminReportee),
      h('dd', {}, handle(abuse.flaggedAccount), typeof abuse.countReportsForReportee === 'number' && h('span', { class: 'admin-note' }, ` ${strings.adminReportsCount(abuse.countReportsForReportee)}`)),
      abuse.moderationComment && [h('dt', {}, strings.adminModerationComment), h('dd', { class: 'admin-prewrap', 'data-testid': 'abuse-comment' }, abuse.moderationComment)],
    ),
    h(
      'div',
      { class: 'admin-actions admin-card-actions' },
      stateId !== ACCEPTED && setState(ACCEPTED),
      stateId !== REJECTED && setState(REJECTED),
      thread.toggle,
      remove,
    ),
    thread.panel,
  );
}

/** The messages between moderators and the reporter, loaded when first opened. */
function messagesThread(abuse) {
  const panelId = `abuse-${abuse.id}-messages`;
  const panel = h('section', { id: panelId, class: 'admin-thread', hidden: true, 'aria-label': strings.adminMessagesOf(abuse.id) });
  let count = Number(abuse.countMessages) || 0;
  let loaded = false;
  const toggle = button(strings.adminMessages(count), async () => {
    const open = panel.hidden;
    panel.hidden = !open;
    toggle.setAttribute('aria-expanded', String(open));
    if (open && !loaded) {
      loaded = true;
      await loadMessages();
    }
  }, { quiet: true, 'aria-expanded': 'false', 'aria-controls': panelId, testId: 'abuse-messages-toggle' });

  const list = h('ol', { class: 'admin-messages' });
  const status = statusLine();
  const text = field({ label: strings.adminNewMessage, name: 'message', type: 'textarea', rows: 3, required: true, minlength: 2, maxlength: 3000, testId: 'abuse-message-input' });
  const send = button(strings.adminSendMessage, null, { type: 'submit', testId: 'abuse-message-send' });
  const form = h('form', { class: 'admin-form', novalidate: true }, text.element, h('div', { class: 'admin-actions' }, send));

  async function loadMessages() {
    list.replaceChildren(loadingIndicator());
    try {
      const page = await api.get(`/api/v1/abuses/${abuse.id}/messages`);
      const messages = page.data || [];
      count = messages.length;
      toggle.textContent = strings.adminMessages(count);
      list.replaceChildren(
        ...(messages.length === 0
          ? [h('li', { class: 'admin-empty' }, strings.adminNoMessages)]
          : messages.map((m) =>
              h(
                'li',
                { class: `admin-message${m.byModerator ? ' admin-message-moderator' : ''}`, 'data-testid': 'abuse-message' },
                h('p', { class: 'admin-message-meta' }, h('span', { class: 'admin-strong' }, m.account?.displayName || handle(m.account)), m.byModerator && h('span', { class: 'admin-badge' }, strings.adminModerator), ' ', dateCell(m.createdAt)),
                h('p', { class: 'admin-prewrap' }, m.message),
              ),
            )),
      );
    } catch (error) {
      list.replaceChildren(h('li', { class: 'field-error' }, errorText(error)));
    }
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const message = text.value().trim();
    if (message.length < 2) {
      text.setError(strings.adminTooShort(2));
      text.input.focus();
      return;
    }
    text.setError('');
    if (await runAction(send, status, () => api.post(`/api/v1/abuses/${abuse.id}/messages`, { json: { message } }), strings.adminMessageSent)) {
      text.input.value = '';
      await loadMessages();
    }
  });

  panel.append(h('h3', { class: 'admin-thread-title' }, strings.adminMessagesOf(abuse.id)), list, status.element, form);
  return { toggle, panel };
}
