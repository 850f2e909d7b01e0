// Strings of the watch page, the player, comments and the embed page.
import { LOCALE } from '../../locale.js';

const plural = new Intl.PluralRules(LOCALE);
const number = new Intl.NumberFormat(LOCALE);

export default {
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
};
