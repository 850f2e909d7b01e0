// A browser WebTorrent client that downloads one torrent from whoever the tracker names
// (in the test: the libtorrent seeder alone), never from public STUN servers or trackers.
//   await window.downloadTorrent({torrent: <base64 .torrent>, announce: [ws url]})
//   -> {sha256, bytes, seconds, peers, webSeedBytes}
import WebTorrent from 'webtorrent/dist/webtorrent.min.js';

function fromBase64(text) {
  return Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
}

function hex(buffer) {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

window.downloadTorrent = ({ torrent, announce, timeoutMs = 60000 }) => new Promise((resolve, reject) => {
  const client = new WebTorrent({
    dht: false, lsd: false, utPex: false, natUpnp: false, natPmp: false, webSeeds: false,
    tracker: { announce, rtcConfig: { iceServers: [] } },
  });
  window.webtorrentClient = client;
  const timer = setTimeout(() => reject(new Error('timed out')), timeoutMs);
  client.on('error', (error) => { clearTimeout(timer); reject(error); });
  const started = performance.now();
  const peers = new Set();
  client.add(fromBase64(torrent), { announce, private: false }, (t) => {
    t.on('wire', (wire) => peers.add(wire.remoteAddress || wire.peerId));
    t.on('done', async () => {
      const seconds = (performance.now() - started) / 1000;
      const data = await t.files[0].arrayBuffer();
      const digest = await crypto.subtle.digest('SHA-256', data);
      clearTimeout(timer);
      resolve({ sha256: hex(digest), bytes: data.byteLength, seconds,
                peers: [...peers].map(String), numPeers: t.numPeers,
                downloaded: t.downloaded });
    });
  });
});
window.p2pReady = true;
