// The language the app's strings are written in (see i18n/).
export const LOCALE = 'en';
