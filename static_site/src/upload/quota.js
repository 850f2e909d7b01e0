// The user's video quota: what is used, in all and today, of what the user may upload.
import { api } from '../api.js';
import { h } from '../dom.js';
import { strings } from '../strings.js';
import { formatBytes } from './files.js';

const UNLIMITED = -1;

/** { total: { used, limit }, daily: { used, limit } }; a limit of -1 is no limit. */
export async function loadQuota(user, { signal } = {}) {
  const used = await api.get('/api/v1/users/me/video-quota-used', { signal });
  return {
    total: { used: Number(used.videoQuotaUsed) || 0, limit: Number(user.videoQuota ?? UNLIMITED) },
    daily: { used: Number(used.videoQuotaUsedDaily) || 0, limit: Number(user.videoQuotaDaily ?? UNLIMITED) },
  };
}

/** Bytes the user may still upload (Infinity without a limit). */
export function roomLeft(quota) {
  return Math.min(
    ...[quota.total, quota.daily].map((q) => (q.limit === UNLIMITED ? Infinity : q.limit - q.used)),
  );
}

function meter({ used, limit }, label, testId) {
  if (limit === UNLIMITED) {
    return h('p', { class: 'upload-quota-line', 'data-testid': testId }, strings.quotaUnlimited(label, formatBytes(used)));
  }
  const id = `${testId}-label`;
  return h(
    'div',
    { class: 'upload-quota-line', 'data-testid': testId },
    h('span', { id }, strings.quotaOf(label, formatBytes(used), formatBytes(limit))),
    h('meter', {
      'aria-labelledby': id,
      min: '0',
      max: String(Math.max(limit, 1)),
      low: String(limit * 0.75),
      high: String(limit * 0.9),
      optimum: '0',
      value: String(Math.min(used, limit)),
    }),
  );
}

/** The total and daily quota as meters. */
export function quotaMeters(quota) {
  return h(
    'div',
    { class: 'upload-quota', 'data-testid': 'quota' },
    meter(quota.total, strings.quotaTotal, 'quota-total'),
    meter(quota.daily, strings.quotaDaily, 'quota-daily'),
  );
}
