// /videos/update/{id}: the owner (or a moderator) changes a video's details and thumbnail.
import { getVideo } from '../api.js';
import { errorBox, loadingIndicator, messagePage, watchPath } from '../components.js';
import { h } from '../dom.js';
import { Role, session } from '../session.js';
import { requireUser, setPageTitle } from '../shell.js';
import { strings } from '../strings.js';
import { detailsForm, loadChoices, saveDetails } from '../upload/details.js';
import { VideoState, publishingStatus } from '../upload/publishing.js';

export async function videoEditPage(ctx) {
  const user = await requireUser(ctx);
  if (!user) return;
  setPageTitle(strings.editTitle);
  ctx.outlet.append(loadingIndicator());

  let video, choices;
  try {
    [video, choices] = await Promise.all([getVideo(ctx.params.id, { signal: ctx.signal }), loadChoices()]);
  } catch (error) {
    if (ctx.signal.aborted) return;
    ctx.outlet.replaceChildren(
      h('h1', { class: 'page-title' }, strings.editTitle),
      errorBox(error, { onRetry: error.status === 404 ? null : () => ctx.reload() }),
    );
    return;
  }
  if (video.account?.name !== user.username && session.role > Role.MODERATOR) {
    ctx.outlet.replaceChildren();
    messagePage(ctx.outlet, { title: strings.editTitle, text: strings.editNotYours, testId: 'edit-forbidden' });
    return;
  }

  setPageTitle(strings.editTitleOf(video.name));
  const heading = h('h1', { class: 'page-title', tabindex: '-1' }, strings.editTitleOf(video.name));
  const form = detailsForm({
    video,
    choices,
    submitLabel: strings.detailsSave,
    async onSubmit(values) {
      await saveDetails(video.uuid, values);
      heading.textContent = strings.editTitleOf(values.fields.name);
      setPageTitle(heading.textContent);
    },
  });
  ctx.outlet.replaceChildren(
    heading,
    h(
      'p',
      { class: 'video-edit-links' },
      h('a', { href: watchPath(video), 'data-testid': 'edit-watch-link' }, strings.editWatch),
      ' · ',
      h('a', { href: '/my-library/videos' }, strings.editBackToMyVideos),
      video.channel && [' · ', strings.editChannel(video.channel.displayName || video.channel.name)],
    ),
    video.state?.id !== VideoState.PUBLISHED && publishingStatus(video.uuid, { signal: ctx.signal }),
    form.element,
  );
  ctx.contentReady();
}
