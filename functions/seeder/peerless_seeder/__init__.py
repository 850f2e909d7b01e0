"""The seeder container: the WebTorrent/HTTP tracker (now), the libtorrent seeder and the
live ingest (to come). `tracker` is the protocol and state, `server` the aiohttp app."""
