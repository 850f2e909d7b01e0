"""The api function's routes, one blueprint per group of PeerTube's API."""
