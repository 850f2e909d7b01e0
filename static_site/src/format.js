// Formatting of durations, dates and numbers for display.
import { LOCALE, strings } from './strings.js';

/** 75 -> "1:15", 3725 -> "1:02:05". */
export function formatDuration(totalSeconds) {
  const s = Math.max(0, Math.floor(Number(totalSeconds) || 0));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const seconds = s % 60;
  const pad = (n) => String(n).padStart(2, '0');
  return hours > 0 ? `${hours}:${pad(minutes)}:${pad(seconds)}` : `${minutes}:${pad(seconds)}`;
}

const relative = new Intl.RelativeTimeFormat(LOCALE, { numeric: 'auto' });
const absolute = new Intl.DateTimeFormat(LOCALE, { dateStyle: 'long', timeStyle: 'short' });
const UNITS = [
  ['year', 365 * 24 * 3600],
  ['month', 30 * 24 * 3600],
  ['week', 7 * 24 * 3600],
  ['day', 24 * 3600],
  ['hour', 3600],
  ['minute', 60],
];

function toDate(iso) {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? null : d;
}

/** "3 days ago", "last month", … ("" for a missing or invalid date). */
export function formatRelativeDate(iso, now = Date.now()) {
  const d = toDate(iso);
  if (!d) return '';
  const seconds = (d.getTime() - now) / 1000;
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
  }
  return strings.justNow;
}

/** A full date and time, for tooltips and the watch page. */
export function formatAbsoluteDate(iso) {
  const d = toDate(iso);
  return d ? absolute.format(d) : '';
}
