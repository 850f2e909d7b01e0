// Threaded comments under a video: the threads a page at a time, each thread's replies on
// demand, a form to comment and one to reply, and deleting one's own (or, for moderators,
// anyone's). Comments are plain text.
import { api } from '../api.js';
import { h } from '../dom.js';
import { formatAbsoluteDate, formatRelativeDate } from '../format.js';
import { Role, session } from '../session.js';
import { strings } from '../strings.js';
import { showStatus, statusLine } from './dialog.js';

const PAGE_SIZE = 20;
const COMMENTS_DISABLED = 2; // commentsPolicy id

let formCounter = 0;

function canDelete(comment) {
  const user = session.user;
  if (!user || comment.isDeleted) return false;
  const author = comment.account || {};
  const own = author.userId === user.id || (author.name === user.username && (!author.host || author.host === location.host));
  return own || session.role <= Role.MODERATOR;
}

/** A comment form; onSubmit(text) posts it and resolves to the new comment. */
function commentForm({ label, submitLabel, testId, onSubmit, onCancel = null }) {
  formCounter += 1;
  const id = `comment-text-${formCounter}`;
  const text = h('textarea', { id, rows: '3', maxlength: '10000', required: true, 'data-testid': `${testId}-text` });
  const status = statusLine(`${testId}-status`);
  const submit = h('button', { type: 'submit', class: 'button', 'data-testid': `${testId}-submit` }, submitLabel);
  const form = h(
    'form',
    { class: 'comment-form', 'data-testid': testId, novalidate: true },
    h('label', { for: id, class: 'visually-hidden' }, label),
    text,
    h('div', { class: 'comment-form-buttons' }, onCancel && h('button', { type: 'button', class: 'button button-quiet', onclick: onCancel }, strings.commentCancel), submit),
    status,
  );
  text.placeholder = label;
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!text.value.trim()) {
      showStatus(status, strings.commentEmpty, { error: true });
      text.focus();
      return;
    }
    submit.disabled = true;
    try {
      await onSubmit(text.value.trim());
      text.value = '';
      showStatus(status, '');
    } catch (error) {
      showStatus(status, error.fieldErrors.text || error.message, { error: true });
    } finally {
      submit.disabled = false;
    }
  });
  return { form, text };
}

/** The comments section of `video`. */
export function commentsSection(video, { signal }) {
  const ref = encodeURIComponent(video.uuid || video.id);
  const count = h('span', { 'data-testid': 'comments-count' });
  const heading = h('h2', { class: 'comments-title' }, strings.commentsHeading, ' ', count);
  const section = h('section', { class: 'comments', 'data-testid': 'comments', 'aria-labelledby': 'comments-heading' }, heading);
  heading.id = 'comments-heading';
  const disabled = video.commentsEnabled === false || Number(video.commentsPolicy?.id) === COMMENTS_DISABLED;
  if (disabled) {
    section.append(h('p', { class: 'comments-disabled', 'data-testid': 'comments-disabled' }, strings.commentsDisabled));
    return section;
  }
  let total = 0;
  const setTotal = (n) => {
    total = n;
    count.textContent = `(${new Intl.NumberFormat().format(total)})`;
  };
  const list = h('ul', { class: 'comment-list', 'data-testid': 'comment-threads' });
  const more = h('button', { type: 'button', class: 'button button-quiet', hidden: true, 'data-testid': 'comments-more' }, strings.commentsMore);
  const listStatus = statusLine('comments-status');

  if (session.signedIn) {
    const { form } = commentForm({
      label: strings.commentAdd,
      submitLabel: strings.commentPost,
      testId: 'comment-form',
      async onSubmit(text) {
        const answer = await api.post(`/api/v1/videos/${ref}/comment-threads`, { json: { text } });
        list.querySelector('.comments-empty')?.remove();
        list.prepend(threadItem(answer.comment));
        setTotal(total + 1);
      },
    });
    section.append(form);
  } else {
    const next = encodeURIComponent(location.pathname + location.search);
    section.append(h('p', { class: 'comments-login' }, h('a', { href: `/login?next=${next}`, 'data-testid': 'comments-login' }, strings.commentsLogIn)));
  }
  section.append(list, more, listStatus);

  function commentNode(comment, { onReply, onDeleted }) {
    const author = comment.account || {};
    const name = author.displayName || author.name || '';
    const body = h(
      'article',
      { class: 'comment', 'data-testid': 'comment', 'data-comment-id': String(comment.id) },
      h('span', { class: 'avatar avatar-small avatar-initial comment-avatar', 'aria-hidden': 'true' }, (name || '?').slice(0, 1).toUpperCase()),
      h(
        'div',
        { class: 'comment-main' },
        h(
          'p',
          { class: 'comment-head' },
          h('strong', {}, comment.isDeleted ? strings.commentDeletedAuthor : name),
          ' ',
          comment.createdAt && h('time', { datetime: comment.createdAt, title: formatAbsoluteDate(comment.createdAt), class: 'comment-date' }, formatRelativeDate(comment.createdAt)),
        ),
        h('p', { class: `comment-text${comment.isDeleted ? ' comment-deleted' : ''}`, 'data-testid': 'comment-text' }, comment.isDeleted ? strings.commentDeleted : comment.text),
        h('div', { class: 'comment-actions' }),
      ),
    );
    const actions = body.querySelector('.comment-actions');
    if (session.signedIn && !comment.isDeleted) {
      actions.append(h('button', { type: 'button', class: 'link-button', 'data-testid': 'comment-reply', onclick: onReply }, strings.commentReply));
    }
    if (canDelete(comment)) {
      const remove = h('button', { type: 'button', class: 'link-button', 'data-testid': 'comment-delete' }, strings.commentDelete);
      remove.addEventListener('click', async () => {
        if (!window.confirm(strings.commentDeleteConfirm)) return;
        remove.disabled = true;
        try {
          await api.delete(`/api/v1/videos/${ref}/comments/${comment.id}`);
          onDeleted();
          showStatus(listStatus, strings.commentDeletedDone);
        } catch (error) {
          remove.disabled = false;
          showStatus(listStatus, error.message, { error: true });
        }
      });
      actions.append(remove);
    }
    return body;
  }

  /** A comment with its replies (`children` from the thread tree, else loaded on demand). */
  function commentItem(comment, { children = null, repliesCount = 0 } = {}) {
    const item = h('li', { class: 'comment-item' });
    const replies = h('ul', { class: 'comment-replies', 'data-testid': 'comment-replies' });
    const toggle = h('button', { type: 'button', class: 'link-button comment-toggle', 'aria-expanded': 'false', 'data-testid': 'comment-show-replies', hidden: true });
    let replyCount = repliesCount;
    let loaded = false;
    const showToggle = () => {
      toggle.hidden = loaded || replyCount === 0;
      toggle.textContent = strings.commentShowReplies(replyCount);
    };
    const addReplies = (nodes) => {
      for (const child of nodes) replies.append(commentItem(child.comment, { children: child.children || [] }));
    };
    if (children) {
      loaded = true;
      addReplies(children);
    }
    toggle.addEventListener('click', async () => {
      toggle.disabled = true;
      try {
        const tree = await api.get(`/api/v1/videos/${ref}/comment-threads/${comment.threadId || comment.id}`, { signal });
        // The thread's tree starts at its first comment; a reply's replies are below it.
        const find = (node) => (node.comment.id === comment.id ? node : (node.children || []).map(find).find(Boolean));
        replies.replaceChildren();
        addReplies(find(tree)?.children || []);
        loaded = true;
        toggle.setAttribute('aria-expanded', 'true');
        showToggle();
        replies.querySelector('.comment')?.setAttribute('tabindex', '-1');
      } catch (error) {
        showStatus(listStatus, error.message, { error: true });
      } finally {
        toggle.disabled = false;
      }
    });
    let replyForm = null;
    const node = commentNode(comment, {
      onReply() {
        if (replyForm) {
          replyForm.text.focus();
          return;
        }
        replyForm = commentForm({
          label: strings.commentReplyTo(comment.account?.displayName || comment.account?.name || ''),
          submitLabel: strings.commentReply,
          testId: 'reply-form',
          onCancel() {
            replyForm.form.remove();
            replyForm = null;
          },
          async onSubmit(text) {
            const answer = await api.post(`/api/v1/videos/${ref}/comments/${comment.id}`, { json: { text } });
            replies.append(commentItem(answer.comment, { children: [] }));
            replyCount += 1;
            replyForm.form.remove();
            replyForm = null;
            setTotal(total + 1);
          },
        });
        node.after(replyForm.form);
        replyForm.text.focus();
      },
      onDeleted() {
        node.querySelector('[data-testid="comment-text"]').textContent = strings.commentDeleted;
        node.querySelector('[data-testid="comment-text"]').classList.add('comment-deleted');
        node.querySelector('.comment-actions').replaceChildren();
      },
    });
    showToggle();
    item.append(node, toggle, replies);
    return item;
  }

  function threadItem(comment) {
    return commentItem(comment, { repliesCount: comment.totalReplies || 0 });
  }

  async function loadPage() {
    more.disabled = true;
    try {
      const start = list.querySelectorAll(':scope > .comment-item').length;
      const page = await api.get(`/api/v1/videos/${ref}/comment-threads`, { query: { start, count: PAGE_SIZE, sort: '-createdAt' }, signal });
      const data = page?.data || [];
      list.append(...data.map(threadItem));
      setTotal(Number(page?.totalNotDeletedComments ?? page?.total ?? data.length));
      if (!list.children.length) list.append(h('li', { class: 'comments-empty', 'data-testid': 'comments-empty' }, strings.commentsNone));
      more.hidden = start + data.length >= Number(page?.total || 0);
    } catch (error) {
      if (signal.aborted) return;
      showStatus(listStatus, error.message, { error: true });
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener('click', loadPage);
  loadPage();
  return section;
}
