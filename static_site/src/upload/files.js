// What can be told about a chosen file before sending a byte of it: whether the server
// takes its format, whether its first bytes look like a video or sound file at all, and
// whether it fits in the user's quota. The server checks again; this just answers sooner.
import { LOCALE, strings } from '../strings.js';

const AUDIO_EXTENSIONS = new Set(['.mp3', '.m4a', '.aac', '.ogg', '.opus', '.flac', '.wav']);
export const IMAGE_TYPES = 'image/png,image/jpeg,image/webp';

export function extensionOf(name) {
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot).toLowerCase() : '';
}

export function isAudio(file) {
  return AUDIO_EXTENSIONS.has(extensionOf(file.name));
}

const ascii = (bytes, start, text) => [...text].every((c, i) => bytes[start + i] === c.charCodeAt(0));

// The signatures of the containers PeerTube takes (ISO BMFF, Matroska/WebM, RIFF, Ogg,
// FLAC, FLV, MP3/AAC frames or ID3 tags).
function looksLikeMedia(b) {
  const isoBox = ['ftyp', 'moov', 'mdat', 'free', 'wide', 'skip', 'pnot'].some((box) => ascii(b, 4, box));
  return (
    isoBox ||
    (b[0] === 0x1a && b[1] === 0x45 && b[2] === 0xdf && b[3] === 0xa3) ||
    (ascii(b, 0, 'RIFF') && (ascii(b, 8, 'AVI ') || ascii(b, 8, 'WAVE'))) ||
    ascii(b, 0, 'OggS') ||
    ascii(b, 0, 'fLaC') ||
    ascii(b, 0, 'FLV') ||
    ascii(b, 0, 'ID3') ||
    (b[0] === 0xff && (b[1] & 0xe0) === 0xe0)
  );
}

/**
 * Why `file` cannot be uploaded (a sentence for the user), or null when it can.
 * `extensions` are the server's (config.video.file.extensions); `room` the bytes left in
 * the user's quota (Infinity when unlimited).
 */
export async function fileProblem(file, { extensions, room }) {
  const extension = extensionOf(file.name);
  if (!extensions.includes(extension)) return strings.uploadBadExtension(extension, extensions);
  if (file.size === 0) return strings.uploadEmptyFile;
  const head = new Uint8Array(await file.slice(0, 16).arrayBuffer());
  if (!looksLikeMedia(head)) return strings.uploadNotMedia;
  if (file.size > room) return strings.uploadOverQuota(formatBytes(file.size), formatBytes(Math.max(0, room)));
  return null;
}

const UNITS = ['byte', 'kilobyte', 'megabyte', 'gigabyte', 'terabyte'];

/** 1536000 -> "1.5 MB". */
export function formatBytes(bytes) {
  let value = Math.max(0, Number(bytes) || 0);
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return new Intl.NumberFormat(LOCALE, {
    style: 'unit',
    unit: UNITS[unit],
    unitDisplay: 'short',
    maximumFractionDigits: unit === 0 ? 0 : 1,
  }).format(value);
}
