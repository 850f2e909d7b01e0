"""Peerless's data in PeerTube's REST API v1 shapes (its openapi.yaml and formatters),
one module per group of the API.

Where PeerTube's published schema (../shared/conformance/peertube-schemas) and PeerTube's
own output differ, the schema wins: an unset category is `{"id": 0, "label": "Unknown"}`
rather than PeerTube's null id, and an empty description is "" rather than null.
"""
