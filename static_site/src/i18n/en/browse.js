// Strings of the lists of videos: home, trending, search, channels, accounts, playlists.
import { LOCALE } from '../../locale.js';

const number = new Intl.NumberFormat(LOCALE);

export default {
  // Home
  homeTitle: 'Recently added',
  noVideos: 'No videos have been published here yet.',
  loadMore: 'Load more videos',
  loadingMore: 'Loading more videos…',
  shownOfTotal: (shown, total) => `Showing ${number.format(shown)} of ${number.format(total)} videos`,
  videoListLabel: 'Videos',
  thumbnailAlt: (name) => `Thumbnail of “${name}”`,
  durationLabel: (text) => `Duration ${text}`,
};
