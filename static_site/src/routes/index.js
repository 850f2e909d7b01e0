// Every address the app answers, one file per part of the app. The first match wins, so
// each part keeps its more specific patterns first (/w/p/… before /w/…: browse first).
import account from './account.js';
import admin from './admin.js';
import browse from './browse.js';
import upload from './upload.js';
import watch from './watch.js';

export const routes = [...browse, ...watch, ...upload, ...account, ...admin];
