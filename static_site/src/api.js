// Client for the PeerTube-compatible REST API v1 on the same origin.
import { strings } from './strings.js';

export class ApiError extends Error {
  constructor(status, message, body = null) {
    super(message);
    this.name = 'ApiError';
    this.status = status; // 0 when the server could not be reached
    this.body = body;
  }
}

async function getJson(path, { signal } = {}) {
  let response;
  try {
    response = await fetch(path, {
      signal,
      credentials: 'same-origin',
      headers: { Accept: 'application/json' },
    });
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new ApiError(0, strings.networkError);
  }
  if (!response.ok) {
    let body = null;
    try {
      body = await response.json();
    } catch {
      // Not JSON: keep the generic message.
    }
    // PeerTube answers errors as RFC 7807 problem details ({ title, detail, status })
    // and keeps the older { error } field too.
    const detail = body && (body.detail || body.error || body.title);
    throw new ApiError(
      response.status,
      typeof detail === 'string' && detail ? detail : strings.httpError(response.status),
      body,
    );
  }
  try {
    return await response.json();
  } catch (error) {
    if (signal?.aborted) throw signal.reason;
    throw new ApiError(response.status, strings.badResponse);
  }
}

/** GET /api/v1/config */
export function getConfig(options) {
  return getJson('/api/v1/config', options);
}

/** GET /api/v1/videos -> { total, data: [Video] } */
export function listVideos({ start = 0, count = 24, sort = '-publishedAt' } = {}, options) {
  const query = new URLSearchParams({ start: String(start), count: String(count), sort });
  return getJson(`/api/v1/videos?${query}`, options);
}

/** GET /api/v1/videos/:id (uuid, shortUUID or numeric id) -> VideoDetails */
export function getVideo(id, options) {
  return getJson(`/api/v1/videos/${encodeURIComponent(id)}`, options);
}
