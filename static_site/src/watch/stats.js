// The P2P statistics under the player: the delivery mode, peers, and the bytes received
// from peers and from the server and sent to peers (each with its raw count in
// data-bytes, for tests and tools).
import { h } from '../dom.js';
import { LOCALE, strings } from '../strings.js';

const UNITS = ['B', 'kB', 'MB', 'GB'];

export function formatBytes(bytes) {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit += 1;
  }
  return `${new Intl.NumberFormat(LOCALE, { maximumFractionDigits: unit ? 1 : 0 }).format(value)} ${UNITS[unit]}`;
}

function figure(label, testId) {
  const value = h('span', { class: 'p2p-value', 'data-testid': testId, 'data-bytes': '0' }, '0');
  return { value, node: h('span', { class: 'p2p-figure' }, h('span', { class: 'p2p-label' }, label), ' ', value) };
}

/** A panel following `getPlayer()`'s mode and statistics until `signal` aborts. */
export function statsPanel(getPlayer, { signal }) {
  const mode = h('span', { class: 'p2p-mode', 'data-testid': 'p2p-mode' });
  const peers = figure(strings.statsPeers, 'p2p-peers');
  const fromPeers = figure(strings.statsFromPeers, 'p2p-from-peers');
  const fromServer = figure(strings.statsFromServer, 'p2p-from-server');
  const sent = figure(strings.statsSent, 'p2p-uploaded');
  const peerFigures = [peers.node, fromPeers.node, sent.node];
  const panel = h('section', { class: 'p2p-stats', 'data-testid': 'p2p-stats', 'aria-label': strings.statsHeading }, mode, ...peerFigures, fromServer.node);

  function update() {
    const player = getPlayer();
    const current = player?.mode || null;
    panel.hidden = !current;
    if (!current) return;
    mode.textContent = strings.statsMode(current);
    panel.dataset.mode = current;
    const p2p = current === 'hls-p2p' || current === 'webtorrent';
    for (const node of peerFigures) node.hidden = !p2p;
    const { stats } = player;
    peers.value.textContent = String(stats.peers);
    peers.value.dataset.count = String(stats.peers);
    delete peers.value.dataset.bytes;
    for (const [item, bytes] of [[fromPeers, stats.p2pDownloaded], [fromServer, stats.httpDownloaded], [sent, stats.p2pUploaded]]) {
      item.value.textContent = formatBytes(bytes);
      item.value.dataset.bytes = String(bytes);
    }
  }
  update();
  const timer = setInterval(update, 1000);
  signal.addEventListener('abort', () => clearInterval(timer), { once: true });
  return panel;
}
