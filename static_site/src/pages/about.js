// About this instance: /about (and PeerTube's /about/instance). What the administrators wrote
// (descriptions, terms, rules, moderation), the languages and categories, and statistics.
import { api } from '../api.js';
import { errorBox, loadingIndicator } from '../components.js';
import { append, h } from '../dom.js';
import { LOCALE } from '../locale.js';
import { setPageTitle } from '../shell.js';
import { strings } from '../strings.js';

const number = new Intl.NumberFormat(LOCALE);

/** Plain text in paragraphs (blank lines between them): the texts are the administrators'
 * Markdown, shown as written rather than parsed into HTML. */
function paragraphs(text) {
  return text
    .split(/\n\s*\n/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => h('p', {}, part));
}

/** A titled block of the page, with an id for links such as /about#terms. */
function block(id, title, text) {
  if (!text || !String(text).trim()) return null;
  return h(
    'section',
    { class: 'acct-section acct-about-block', id, 'aria-labelledby': `${id}-title`, 'data-testid': `about-${id}` },
    h('h2', { class: 'acct-section-title', id: `${id}-title` }, title),
    h('div', { class: 'acct-prose' }, paragraphs(String(text))),
  );
}

function formatBytes(bytes) {
  const units = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];
  let value = Number(bytes) || 0;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return new Intl.NumberFormat(LOCALE, { style: 'unit', unit: units[unit], unitDisplay: 'short', maximumFractionDigits: unit ? 1 : 0 }).format(value);
}

function statistics(stats) {
  const rows = [
    [strings.acctStatUsers, number.format(stats.totalUsers || 0)],
    [strings.acctStatVideos, number.format(stats.totalLocalVideos || 0)],
    [strings.acctStatViews, number.format(stats.totalLocalVideoViews || 0)],
    [strings.acctStatComments, number.format(stats.totalLocalVideoComments || 0)],
    [strings.acctStatChannels, number.format(stats.totalLocalVideoChannels || 0)],
    [strings.acctStatPlaylists, number.format(stats.totalLocalPlaylists || 0)],
    [strings.acctStatStorage, formatBytes(stats.totalLocalVideoFilesSize)],
  ];
  return h(
    'section',
    { class: 'acct-section', id: 'statistics', 'aria-labelledby': 'statistics-title', 'data-testid': 'about-statistics' },
    h('h2', { class: 'acct-section-title', id: 'statistics-title' }, strings.acctAboutStatistics),
    h(
      'dl',
      { class: 'acct-stats' },
      rows.map(([label, value]) => h('div', { class: 'acct-stat' }, h('dt', {}, label), h('dd', {}, value))),
    ),
  );
}

function labelled(codes, labels) {
  return (codes || []).map((code) => labels?.[code] || String(code)).join(', ');
}

export async function aboutPage(ctx) {
  const { outlet, signal } = ctx;
  setPageTitle(strings.acctAboutTitle);
  const body = h('div', {}, loadingIndicator());
  outlet.append(h('div', { class: 'acct-page acct-medium' }, body));

  let about;
  let stats;
  let languages;
  let categories;
  try {
    // Statistics and labels are extras: the page shows without them.
    const optional = (path) => api.get(path, { signal }).catch((error) => {
      if (signal.aborted) throw error;
      return null;
    });
    [about, stats, languages, categories] = await Promise.all([
      api.get('/api/v1/config/about', { signal }),
      optional('/api/v1/server/stats'),
      optional('/api/v1/videos/languages'),
      optional('/api/v1/videos/categories'),
    ]);
  } catch (error) {
    if (signal.aborted) return;
    body.replaceChildren(errorBox(error, { onRetry: ctx.reload }));
    return;
  }
  if (signal.aborted) return;

  const instance = about?.instance || {};
  const name = instance.name || strings.defaultInstanceName;
  setPageTitle(strings.acctAboutNamed(name));
  body.replaceChildren();
  append(body, [
    h('h1', { class: 'page-title', 'data-testid': 'about-title' }, strings.acctAboutNamed(name)),
    instance.shortDescription && h('p', { class: 'acct-intro', 'data-testid': 'about-short-description' }, instance.shortDescription),
    block('description', strings.acctAboutDescription, instance.description),
    block('terms', strings.acctAboutTerms, instance.terms || strings.acctAboutNoTerms),
    block('code-of-conduct', strings.acctAboutCodeOfConduct, instance.codeOfConduct),
    block('moderation', strings.acctAboutModeration, instance.moderationInformation),
    block('administrator', strings.acctAboutAdministrator, instance.administrator),
    block('creation-reason', strings.acctAboutCreationReason, instance.creationReason),
    block('maintenance', strings.acctAboutMaintenance, instance.maintenanceLifetime),
    block('business-model', strings.acctAboutBusinessModel, instance.businessModel),
    block('hardware', strings.acctAboutHardware, instance.hardwareInformation),
    block('languages', strings.acctAboutLanguages, labelled(instance.languages, languages)),
    block('categories', strings.acctAboutCategories, labelled(instance.categories, categories)),
    stats && statistics(stats),
  ]);
  // A link to a part of the page (the sign-up form's "terms") lands on it.
  if (location.hash) document.getElementById(decodeURIComponent(location.hash.slice(1)))?.scrollIntoView();
  ctx.contentReady();
}
