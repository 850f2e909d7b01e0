// Client for the PeerTube-compatible REST API v1 on the same origin.
//
//   api.get('/api/v1/videos', { query: { count: 10 }, signal })
//   api.post('/api/v1/videos/x/rate', { json: { rating: 'like' } })
//   api.put('/api/v1/users/me', { form: formData })
//
// Every call sends the signed-in user's access token (session.js registers it with
// `setAuth`), refreshes it once when the server says it expired, and turns error answers
// into an ApiError carrying PeerTube's problem details.
import { strings } from './strings.js';

export class ApiError extends Error {
  constructor(status, message, body = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // 0 when the server could not be reached
    this.body = body;
  }

  /** PeerTube's per-field messages (`invalid-params`), {} when there are none. */
  get fieldErrors() {
    const params = this.body && this.body['invalid-params'];
    if (!params || typeof params !== 'object') return {};
    const out = {};
    for (const [field, value] of Object.entries(params)) {
      out[field] = typeof value === 'string' ? value : value?.msg || String(value);
    }
    return out;
  }
}

// The token source: { token(): string|null, refresh(): Promise<boolean>, expired(): void }.
let auth = null;

/** Lets session.js supply the access token and refresh it. */
export function setAuth(provider) {
  auth = provider;
}

function buildUrl(path, query) {
  if (!query) return path;
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value === undefined || value === null || value === '') continue;
    for (const item of Array.isArray(value) ? value : [value]) params.append(key, String(item));
  }
  const text = params.toString();
  return text ? `${path}${path.includes('?') ? '&' : '?'}${text}` : path;
}

async function errorFrom(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // Not JSON: keep the generic message.
  }
  // PeerTube answers errors as RFC 7807 problem details ({ title, detail, status })
  // and keeps the older { error } field too.
  const detail = body && (body.detail || body.error || body.title);
  return new ApiError(
    response.status,
    typeof detail === 'string' && detail ? detail : strings.httpError(response.status),
    body,
  );
}

/**
 * One request. `json` or `form` (FormData or URLSearchParams) is the body;
 * `raw: true` returns the Response itself; otherwise the parsed JSON, or null for 204.
 */
export async function request(method, path, { query, json, form, signal, headers = {}, raw = false, anonymous = false } = {}) {
  const url = buildUrl(path, query);
  const send = async () => {
    const all = { Accept: 'application/json', ...headers };
    const token = !anonymous && auth?.token();
    if (token) all.Authorization = `Bearer ${token}`;
    let body;
    if (json !== undefined) {
      all['Content-Type'] = 'application/json';
      body = JSON.stringify(json);
    } else if (form !== undefined) {
      body = form;
    }
    try {
      return await fetch(url, { method, headers: all, body, signal, credentials: 'same-origin' });
    } catch (error) {
      if (signal?.aborted) throw signal.reason;
      throw new ApiError(0, strings.networkError);
    }
  };

  let response = await send();
  if (response.status === 401 && !anonymous && auth?.token()) {
    // An expired access token: refresh it once and try again; a refused refresh ends
    // the session (the user is asked to sign in again).
    if (await auth.refresh()) response = await send();
    else auth.expired();
  }
  if (raw) return response;
  if (!response.ok) throw await errorFrom(response);
  if (response.status === 204) return null;
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(response.status, strings.badResponse);
  }
}

export const api = {
  get: (path, options) => request('GET', path, options),
  post: (path, options) => request('POST', path, options),
  put: (path, options) => request('PUT', path, options),
  delete: (path, options) => request('DELETE', path, options),
};

/** Every item of a paginated list ({ total, data }), `count` at a time. */
export async function getAll(path, { query = {}, count = 100, signal } = {}) {
  const items = [];
  for (;;) {
    const page = await api.get(path, { query: { ...query, start: items.length, count }, signal });
    const data = Array.isArray(page?.data) ? page.data : [];
    items.push(...data);
    if (data.length === 0 || items.length >= (Number(page?.total) || 0)) return items;
  }
}

// --- shortcuts used by several pages --------------------------------------------------

let configPromise = null;

/** GET /api/v1/config, fetched once per page load (it changes only when an admin edits it). */
export function getConfig({ fresh = false } = {}) {
  if (fresh || !configPromise) {
    configPromise = api.get('/api/v1/config').catch((error) => {
      configPromise = null;
      throw error;
    });
  }
  return configPromise;
}

/** GET /api/v1/videos -> { total, data: [Video] } */
export function listVideos(query = {}, options = {}) {
  return api.get('/api/v1/videos', { query: { start: 0, count: 24, sort: '-publishedAt', ...query }, ...options });
}

/** GET /api/v1/videos/:id (uuid, shortUUID or numeric id) -> VideoDetails */
export function getVideo(id, options = {}) {
  return api.get(`/api/v1/videos/${encodeURIComponent(id)}`, options);
}
