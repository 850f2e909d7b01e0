// The server's rules for names, emails, passwords and texts (PeerTube's validators), checked
// in the page first so that a mistake is explained next to its field before anything is sent.
import { strings } from '../strings.js';

const USERNAME = /^[a-z0-9._]+$/;
const CHANNEL_NAME = /^[a-zA-Z0-9\-_.:]+$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

const LIMITS = {
  name: 50,
  displayName: 120,
  passwordMin: 6,
  passwordMax: 255,
  textMin: 3,
  textMax: 1000,
  reasonMin: 2,
  reasonMax: 3000,
};

export function checkUsername(value) {
  if (!value) return strings.acctErrUsernameRequired;
  if (value.length > LIMITS.name || !USERNAME.test(value)) return strings.acctErrUsernameFormat(LIMITS.name);
  return null;
}

export function checkChannelName(value, values = {}) {
  if (!value) return strings.acctErrChannelNameRequired;
  if (value.length > LIMITS.name || !CHANNEL_NAME.test(value)) return strings.acctErrChannelNameFormat(LIMITS.name);
  if (values.username && value.toLowerCase() === values.username.toLowerCase()) return strings.acctErrChannelNameSameAsUsername;
  return null;
}

export function checkDisplayName(value) {
  if (!value) return strings.acctErrDisplayNameRequired;
  if (value.length > LIMITS.displayName) return strings.acctErrTooLong(LIMITS.displayName);
  return null;
}

/** Display names that may be left blank (the server then uses the username). */
export function checkOptionalDisplayName(value) {
  return value ? checkDisplayName(value) : null;
}

export function checkEmail(value) {
  if (!value) return strings.acctErrEmailRequired;
  if (value.length > 400 || !EMAIL.test(value)) return strings.acctErrEmailFormat;
  return null;
}

export function checkPassword(value) {
  if (!value) return strings.acctErrPasswordRequired;
  if (value.length < LIMITS.passwordMin) return strings.acctErrPasswordShort(LIMITS.passwordMin);
  if (value.length > LIMITS.passwordMax) return strings.acctErrTooLong(LIMITS.passwordMax);
  return null;
}

/** The confirmation must repeat the field named `other`. */
export function checkSameAs(other) {
  return (value, values) => (value === values[other] ? null : strings.acctErrPasswordsDiffer);
}

export function checkRequired(message) {
  return (value) => (value ? null : message);
}

/** Descriptions and support texts: empty (none), or between 3 and 1,000 characters. */
export function checkOptionalText(value) {
  if (!value) return null;
  if (value.length < LIMITS.textMin) return strings.acctErrTooShort(LIMITS.textMin);
  if (value.length > LIMITS.textMax) return strings.acctErrTooLong(LIMITS.textMax);
  return null;
}

export function checkReason(value) {
  if (!value || value.length < LIMITS.reasonMin) return strings.acctErrReasonRequired;
  if (value.length > LIMITS.reasonMax) return strings.acctErrTooLong(LIMITS.reasonMax);
  return null;
}

/** A channel name from a display name: "My Cats" -> "my_cats". */
export function nameFrom(displayName) {
  return displayName
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9_.:-]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 50);
}
