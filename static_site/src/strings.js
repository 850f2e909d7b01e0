// Every piece of text the web app shows lives under i18n/<locale>/, one file per part of
// the app, so that translators find it all in one place. Plain strings are used as they
// are; functions build text that depends on numbers or names.
import account from './i18n/en/account.js';
import admin from './i18n/en/admin.js';
import browse from './i18n/en/browse.js';
import common from './i18n/en/common.js';
import upload from './i18n/en/upload.js';
import watch from './i18n/en/watch.js';

export { LOCALE } from './locale.js';

function merge(...parts) {
  const all = {};
  for (const part of parts) {
    for (const [key, value] of Object.entries(part)) {
      // Two parts using one key would silently show one part's text in the other.
      if (key in all) throw new Error(`The string "${key}" is defined twice`);
      all[key] = value;
    }
  }
  return all;
}

export const strings = merge(common, browse, watch, upload, account, admin);
