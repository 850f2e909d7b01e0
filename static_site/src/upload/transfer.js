// One file sent straight to S3 as a multipart upload: the API creates the video and hands
// out a presigned URL per part (POST /api/v1/videos/upload-direct), the browser PUTs the
// parts itself, then asks the API to join them (…/complete), which starts transcoding.
//
// A failed part is sent again with a growing delay, and waits for the browser to be back
// online; an upload is remembered in localStorage until it completes, so that after a
// reload the same file can pick up where it stopped (GET /api/v1/videos/upload-direct/{id}
// lists the parts S3 holds).
import { ApiError, api } from '../api.js';
import { sleep } from '../dom.js';
import { strings } from '../strings.js';

const STORE_KEY = 'peerless.direct-uploads';
const PARALLEL_PARTS = 3;
const RETRY_DELAYS = [1000, 2000, 4000, 8000, 15000, 30000];

// --- uploads remembered across reloads -------------------------------------------------

function readStore() {
  try {
    const all = JSON.parse(localStorage.getItem(STORE_KEY) || '[]');
    return Array.isArray(all) ? all : [];
  } catch {
    return [];
  }
}

function writeStore(all) {
  try {
    localStorage.setItem(STORE_KEY, JSON.stringify(all));
  } catch {
    // Storage full or disabled: the upload still works, it just cannot resume after a reload.
  }
}

function remember(record) {
  writeStore([...readStore().filter((r) => r.uuid !== record.uuid), record]);
}

export function forgetUpload(uuid) {
  writeStore(readStore().filter((r) => r.uuid !== uuid));
}

/** The unfinished uploads of `username` that this browser started. */
export function unfinishedUploads(username) {
  return readStore().filter((r) => r.username === username);
}

/** The unfinished upload `file` is the file of, if any (same name, size and date). */
export function unfinishedUploadOf(file, username) {
  return unfinishedUploads(username).find(
    (r) => r.filename === file.name && r.size === file.size && r.lastModified === file.lastModified,
  );
}

// --- one part ----------------------------------------------------------------------------

class PartError extends Error {
  constructor(status) {
    super(strings.uploadPartFailed(status));
    this.status = status; // 0: the connection failed
  }
}

/** PUTs one part with XMLHttpRequest, the one browser API that reports upload progress. */
function putPart(url, body, { onProgress, signal }) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('PUT', url);
    xhr.upload.onprogress = (event) => onProgress(event.loaded);
    xhr.onload = () => {
      const etag = xhr.getResponseHeader('ETag');
      if (xhr.status >= 200 && xhr.status < 300 && etag) resolve(etag);
      else reject(new PartError(xhr.status));
    };
    xhr.onerror = () => reject(new PartError(0));
    xhr.ontimeout = () => reject(new PartError(0));
    const abort = () => {
      xhr.abort();
      reject(signal.reason);
    };
    if (signal.aborted) return abort();
    signal.addEventListener('abort', abort, { once: true });
    xhr.onloadend = () => signal.removeEventListener('abort', abort);
    xhr.send(body);
  });
}

function waitOnline(signal) {
  if (navigator.onLine) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const done = () => {
      signal.removeEventListener('abort', stop);
      resolve();
    };
    const stop = () => {
      window.removeEventListener('online', done);
      reject(signal.reason);
    };
    window.addEventListener('online', done, { once: true });
    signal.addEventListener('abort', stop, { once: true });
  });
}

// --- the transfer of one file ----------------------------------------------------------------

export const TransferState = {
  STARTING: 'starting',
  UPLOADING: 'uploading',
  RETRYING: 'retrying',
  PAUSED: 'paused',
  UPLOADED: 'uploaded', // every part is in S3, not joined yet
  COMPLETING: 'completing',
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
};

const stopped = () => new DOMException('Stopped', 'AbortError');

export class Transfer {
  /** `onUpdate(transfer)` is called whenever the state or the progress changes. */
  constructor(file, { username, onUpdate = () => {} }) {
    this.file = file;
    this.username = username;
    this.onUpdate = onUpdate;
    this.state = TransferState.STARTING;
    this.error = null;
    this.video = null; // { id, uuid, shortUUID }
    this.total = file.size;
    this.sent = 0;
    this.bytesPerSecond = 0;
    this.retryIn = 0;
    this._upload = null; // { uploadId, partSize, parts: [{ partNumber, url }] }
    this._etags = new Map(); // partNumber -> ETag of the parts S3 holds
    this._inFlight = new Map(); // partNumber -> bytes sent so far
    this._controller = null;
    this._sample = null;
  }

  _set(state, error = null) {
    this.state = state;
    this.error = error;
    this.onUpdate(this);
  }

  /** Creates the video (with `attributes`: name, channelId, privacy…) and sends the file. */
  async start(attributes) {
    const answer = await api.post('/api/v1/videos/upload-direct', {
      json: { ...attributes, filename: this.file.name, size: this.file.size },
    });
    this._adopt(answer);
    remember({
      uuid: this.video.uuid,
      uploadId: this._upload.uploadId,
      username: this.username,
      name: attributes.name,
      filename: this.file.name,
      size: this.file.size,
      lastModified: this.file.lastModified,
    });
    return this.send();
  }

  /** Takes up an upload started before a reload (a record of `unfinishedUploads`). */
  async resume(record) {
    this.video = { uuid: record.uuid };
    this._upload = { uploadId: record.uploadId };
    await this._refresh();
    return this.send();
  }

  _adopt(answer) {
    this.video = answer.video;
    this._upload = answer.upload;
    for (const part of answer.upload.uploaded || []) this._etags.set(part.partNumber, part.etag);
    this._countSent();
  }

  /** Asks the API which parts S3 holds, with fresh URLs for the others. */
  async _refresh() {
    try {
      this._adopt(
        await api.get(`/api/v1/videos/upload-direct/${encodeURIComponent(this.video.uuid)}`, {
          query: { uploadId: this._upload.uploadId },
        }),
      );
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) forgetUpload(this.video.uuid);
      throw error;
    }
  }

  _partRange(number) {
    const start = (number - 1) * this._upload.partSize;
    return [start, Math.min(start + this._upload.partSize, this.total)];
  }

  _countSent() {
    let sent = 0;
    for (const number of this._etags.keys()) {
      const [start, end] = this._partRange(number);
      sent += end - start;
    }
    for (const loaded of this._inFlight.values()) sent += loaded;
    this.sent = Math.min(sent, this.total);
  }

  _measureSpeed() {
    // A moving average over the last seconds: steady enough to read, quick to follow.
    const now = performance.now();
    if (this._sample && now - this._sample.time >= 500) {
      const rate = ((this.sent - this._sample.sent) * 1000) / (now - this._sample.time);
      this.bytesPerSecond = this.bytesPerSecond ? this.bytesPerSecond * 0.7 + rate * 0.3 : rate;
      this._sample = { time: now, sent: this.sent };
    } else if (!this._sample) {
      this._sample = { time: now, sent: this.sent };
    }
  }

  /** Seconds left at the current speed, or null when it cannot be told yet. */
  get secondsLeft() {
    return this.bytesPerSecond > 0 ? (this.total - this.sent) / this.bytesPerSecond : null;
  }

  /** Sends every part S3 does not hold yet; resolves once all are there. */
  async send() {
    this._controller = new AbortController();
    const { signal } = this._controller;
    this._sample = null;
    this.bytesPerSecond = 0;
    this._set(TransferState.UPLOADING);
    const waiting = this._upload.parts.map((p) => p.partNumber).filter((n) => !this._etags.has(n));
    const worker = async () => {
      while (waiting.length) await this._sendPart(waiting.shift(), signal);
    };
    try {
      await Promise.all(Array.from({ length: PARALLEL_PARTS }, worker));
    } catch (error) {
      this._controller.abort(stopped());
      this._inFlight.clear();
      this._countSent();
      // Paused or cancelled: the state says so already.
      if (this.state !== TransferState.PAUSED && this.state !== TransferState.CANCELLED) {
        this._set(TransferState.FAILED, error);
      }
      return;
    }
    this._set(TransferState.UPLOADED);
  }

  async _sendPart(number, signal) {
    const [start, end] = this._partRange(number);
    for (let attempt = 0; ; attempt++) {
      await waitOnline(signal);
      const url = this._upload.parts.find((p) => p.partNumber === number).url;
      try {
        const etag = await putPart(url, this.file.slice(start, end), {
          signal,
          onProgress: (loaded) => {
            this._inFlight.set(number, loaded);
            this._countSent();
            this._measureSpeed();
            this.onUpdate(this);
          },
        });
        this._inFlight.delete(number);
        this._etags.set(number, etag);
        this._countSent();
        if (this.state === TransferState.RETRYING) this._set(TransferState.UPLOADING);
        else this.onUpdate(this);
        return;
      } catch (error) {
        if (signal.aborted) throw signal.reason;
        this._inFlight.delete(number);
        this._countSent();
        if (attempt >= RETRY_DELAYS.length) throw error;
        this.retryIn = RETRY_DELAYS[attempt] / 1000;
        this._set(TransferState.RETRYING, error);
        await sleep(RETRY_DELAYS[attempt], signal);
        // S3 refuses a URL that expired (403): new ones come with the parts list.
        if (error.status === 403) await this._refresh();
      }
    }
  }

  pause() {
    if (this.state !== TransferState.UPLOADING && this.state !== TransferState.RETRYING) return;
    this._set(TransferState.PAUSED);
    this._controller?.abort(stopped());
  }

  /** Joins the parts: the video's file is whole and transcoding starts. */
  async complete() {
    this._set(TransferState.COMPLETING);
    const parts = [...this._etags].sort((a, b) => a[0] - b[0]).map(([partNumber, etag]) => ({ partNumber, etag }));
    for (let attempt = 0; ; attempt++) {
      try {
        await api.post(`/api/v1/videos/upload-direct/${encodeURIComponent(this.video.uuid)}/complete`, {
          json: { uploadId: this._upload.uploadId, parts },
        });
        break;
      } catch (error) {
        // Only a lost connection is worth another try; a refusal is final.
        if (!(error instanceof ApiError) || error.status !== 0 || attempt >= RETRY_DELAYS.length) {
          this._set(TransferState.FAILED, error);
          throw error;
        }
        await waitOnline(new AbortController().signal);
        await sleep(RETRY_DELAYS[attempt]);
      }
    }
    forgetUpload(this.video.uuid);
    this._set(TransferState.COMPLETED);
  }

  /** Stops the upload and deletes the video it created. */
  async cancel() {
    this._set(TransferState.CANCELLED);
    this._controller?.abort(stopped());
    if (this.video) await discardUnfinished(this.video);
  }
}

/** Deletes an unfinished upload ({ uuid }) and the video it created. */
export async function discardUnfinished(record) {
  forgetUpload(record.uuid);
  await api.delete(`/api/v1/videos/${encodeURIComponent(record.uuid)}`).catch((error) => {
    if (!(error instanceof ApiError) || error.status !== 404) throw error;
  });
}
