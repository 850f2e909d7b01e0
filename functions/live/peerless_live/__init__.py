"""Live ingest: an RTMP server that takes publishers' streams in as FLV."""
