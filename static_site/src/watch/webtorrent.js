// WebTorrent delivery of a web video (an MP4 without HLS): the file comes from peers that
// our tracker names and from the instance as web seed (the torrent's url-list), never
// from public trackers, DHT or STUN servers. Loaded only in this mode (a dynamic import):
// the HLS path never downloads webtorrent.
//
// The video streams through webtorrent's service worker (served at the site's root, so its
// scope covers every page): the player asks it for byte ranges, it asks this client, which
// fetches those pieces first. Where a service worker cannot run (a page that is not a
// secure context: plain http on another address than localhost), the file plays once
// downloaded (the instance's web seed makes that quick); `onProgress` reports the download
// meanwhile.
import './node-globals.js';
import WebTorrent from 'webtorrent/dist/webtorrent.min.js';

const SERVICE_WORKER = '/webtorrent-sw.js';

/** The registration of webtorrent's service worker once active, or null where none runs. */
async function streamingWorker() {
  if (!window.isSecureContext || !navigator.serviceWorker) return null;
  try {
    await navigator.serviceWorker.register(SERVICE_WORKER, { scope: '/' });
    return await navigator.serviceWorker.ready;
  } catch (error) {
    console.warn('No streaming through a service worker:', error);
    return null;
  }
}

/**
 * Fetches `file` (an entry of video.files) from peers and the web seed; resolves to a URL
 * the <video> can play: a stream as soon as the torrent's metadata is known where the
 * service worker runs, else a blob: URL once the whole file is there.
 * stats is updated as bytes arrive: { peers, p2pDownloaded, httpDownloaded, p2pUploaded }.
 */
export async function downloadWebVideo(file, { trackerUrl, stats, onProgress = () => {}, signal }) {
  const worker = await streamingWorker();
  const client = new WebTorrent({
    dht: false,
    lsd: false,
    utPex: false,
    natUpnp: false,
    natPmp: false,
    tracker: { announce: [trackerUrl], rtcConfig: { iceServers: [] } },
  });
  let objectUrl = null;
  const stop = () => {
    client.destroy();
    if (objectUrl) URL.revokeObjectURL(objectUrl);
  };
  signal.addEventListener('abort', stop, { once: true });
  if (worker) client.createServer({ controller: worker });

  return new Promise((resolve, reject) => {
    client.on('error', reject);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
    client.add(file.torrentUrl, { announce: [trackerUrl] }, (torrent) => {
      // Bytes are counted per connection: what peers sent (their wires' counters, kept
      // after they close), the rest of what arrived came from the web seed.
      const live = new Set();
      const peerWires = [];
      const count = () => {
        stats.peers = live.size;
        stats.p2pDownloaded = peerWires.reduce((sum, wire) => sum + (wire.downloaded || 0), 0);
        stats.httpDownloaded = Math.max(0, torrent.downloaded - stats.p2pDownloaded);
        stats.p2pUploaded = torrent.uploaded;
      };
      torrent.on('wire', (wire) => {
        if (wire.type === 'webSeed') return;
        live.add(wire);
        peerWires.push(wire);
        wire.once('close', () => {
          live.delete(wire);
          count();
        });
        count();
      });
      // Each piece checked, whoever sent it.
      torrent.on('verified', () => {
        count();
        onProgress(torrent.progress);
      });
      torrent.on('upload', count);
      if (worker) {
        resolve(torrent.files[0].streamURL);
        torrent.on('done', count);
        return;
      }
      torrent.on('done', async () => {
        count();
        try {
          const media = torrent.files[0];
          const data = await media.arrayBuffer();
          objectUrl = URL.createObjectURL(new Blob([data], { type: 'video/mp4' }));
          resolve(objectUrl);
        } catch (error) {
          reject(error);
        }
      });
    });
  });
}
