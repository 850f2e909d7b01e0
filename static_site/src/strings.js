// Every piece of text the web app shows, in one place, so that it can be
// translated later. Plain strings are used as they are; functions build text
// that depends on numbers or names.

export const LOCALE = 'en';

const plural = new Intl.PluralRules(LOCALE);
const number = new Intl.NumberFormat(LOCALE);

export const strings = {
  defaultInstanceName: 'Peerless',
  documentTitle: (page, instance) => (page ? `${page} - ${instance}` : instance),
  skipToContent: 'Skip to content',
  homeLinkLabel: (instance) => `${instance} home`,
  mainNavigation: 'Main',

  loading: 'Loading…',
  retry: 'Try again',
  backHome: 'Back to the home page',

  // Errors
  networkError: 'Could not reach the server. Check your connection and try again.',
  badResponse: 'The server sent a response that could not be read.',
  httpError: (status) => `The server answered with an error (HTTP ${status}).`,
  errorTitle: 'Something went wrong',

  // Home
  homeTitle: 'Recently added',
  noVideos: 'No videos have been published here yet.',
  loadMore: 'Load more videos',
  loadingMore: 'Loading more videos…',
  shownOfTotal: (shown, total) => `Showing ${number.format(shown)} of ${number.format(total)} videos`,
  videoListLabel: 'Videos',
  thumbnailAlt: (name) => `Thumbnail of “${name}”`,
  durationLabel: (text) => `Duration ${text}`,

  // Watch
  videoNotFoundTitle: 'Video not found',
  videoNotFound: 'This video does not exist, or it has been deleted.',
  videoPlayerLabel: (name) => `Video player: ${name}`,
  stateTranscoding: 'This video is being transcoded…',
  stateProcessing: 'This video is being processed…',
  stateWillRefresh: 'It will start playing here when it is ready.',
  stateTranscodingFailed: 'Transcoding failed',
  stateUnavailable: 'This video cannot be played.',
  noPlayableSource: 'This video has no file that this browser can play.',
  playbackError: 'The video could not be played.',
  channelLabel: 'Channel',
  accountLabel: (name) => `by ${name}`,
  publishedLabel: 'Published',
  descriptionHeading: 'Description',
  noDescription: 'No description.',
  views: (n) => `${number.format(n)} ${plural.select(n) === 'one' ? 'view' : 'views'}`,

  // Other pages
  pageNotFoundTitle: 'Page not found',
  pageNotFound: 'There is nothing at this address.',

  // Dates
  justNow: 'just now',
};
