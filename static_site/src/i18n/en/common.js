// Strings of the frame, errors and pages shared by every part of the app.

export default {
  defaultInstanceName: 'Peerless',
  documentTitle: (page, instance) => (page ? `${page} - ${instance}` : instance),
  skipToContent: 'Skip to content',
  homeLinkLabel: (instance) => `${instance} home`,
  mainNavigation: 'Main',
  toggleMenu: 'Menu',
  navHome: 'Home',
  navTrending: 'Trending',
  navRecent: 'Recently added',
  navLocal: 'Local videos',
  navSubscriptions: 'Subscriptions',
  navLibrary: 'My library',
  navUpload: 'Publish',
  navGoLive: 'Go live',
  navMyVideos: 'My videos',
  navMyChannels: 'My channels',
  navMyPlaylists: 'My playlists',
  navMySubscriptions: 'My subscriptions',
  navSettings: 'My settings',
  navAdministration: 'Administration',
  navAdminSettings: 'Instance settings',
  navAdminUsers: 'Users',
  navAdminAbuses: 'Reports',
  navAdminBlocklist: 'Blocklists',
  navAdminFollows: 'Follows',
  navAbout: 'About this instance',
  navVisitorSettings: 'Settings',
  logIn: 'Log in',
  logOut: 'Log out',
  signUp: 'Sign up',
  searchLabel: 'Search videos',
  searchPlaceholder: 'Search videos, channels…',
  searchButton: 'Search',
  forbidden: 'You are not allowed to see this page.',

  loading: 'Loading…',
  retry: 'Try again',
  backHome: 'Back to the home page',

  // Errors
  networkError: 'Could not reach the server. Check your connection and try again.',
  badResponse: 'The server sent a response that could not be read.',
  httpError: (status) => `The server answered with an error (HTTP ${status}).`,
  errorTitle: 'Something went wrong',

  // Other pages
  pageNotFoundTitle: 'Page not found',
  pageNotFound: 'There is nothing at this address.',

  // Dates
  justNow: 'just now',
};
