"""ActivityPub federation as PeerTube speaks it: actors, discovery, keys and signatures."""
