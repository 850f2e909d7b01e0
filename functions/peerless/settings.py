"""What a function knows about its instance, read once from the environment.

Every function (api, inbox, transcode, seeder) runs with the same variables: on AWS the
stack sets them, locally the local stack does, both from `peerless_infra.resources`.
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Settings:
    public_url: str          # every link and federation id is built from it; no trailing slash
    media_url: str           # where media keys are served from (the CDN); no trailing slash
    table: str
    uploads_bucket: str
    media_bucket: str
    transcode_queue: str
    aws_endpoint_url: str | None      # the emulator locally; None on AWS
    # Where browsers reach the uploads bucket with presigned URLs, when that is not S3 itself
    # (locally, the front relays to the emulator).
    s3_browser_endpoint: str | None
    region: str
    instance_name: str
    max_resolution: int      # the transcoding ladder's top, in lines
    max_video_duration: int  # seconds; longer uploads are refused
    # Inputs at least this long with a ladder of several rungs publish in two passes: a
    # small rendition first, the rest of the ladder joining it (fast publish).
    fast_publish_seconds: int
    # The length of a chunk of a chunked encode, fixed; None: from the measured speed.
    chunk_seconds: float | None
    # The web app's index.html, which the api function answers page addresses with (their
    # link-preview tags written in); None: those addresses are left to the site.
    site_index: str | None = None
    # Where actors' private keys are sealed (peerless.federation.keys): "local", under an
    # AES key in `key_file` (one machine), or "kms", under the KMS key `kms_key_id` (AWS).
    key_store: str = "local"
    key_file: str = ".peerless/actor-keys.key"
    kms_key_id: str | None = None
    # The queue of outgoing ActivityPub deliveries (peerless.federation.delivery).
    delivery_queue: str = "peerless-delivery"
    # Remote fetches may reach private and loopback addresses: only for local test
    # federations, whose servers all live on one machine (PEERLESS_FEDERATION_ALLOW_PRIVATE=1).
    federation_allow_private: bool = False
    # The queue of received activities, verified, for the inbox worker.
    inbox_queue: str = "peerless-inbox"
    # Where streamers' encoders send lives (peerless_live): the port the ingest listens
    # on, and the URL shown to streamers; the ingest's own, or a proxy's in front of it.
    rtmp_port: int = 1935
    rtmp_url_override: str | None = None
    # The seeder's ECS service, "<cluster>/<service>", which runs only while wanted
    # (peerless.seeder_demand); None: no service to drive (the local stack's always runs).
    seeder_service: str | None = None

    @property
    def tracker_urls(self) -> list[str]:
        """The instance tracker's WebSocket (browsers) and HTTP (desktop clients) URLs,
        as PeerTube puts them in torrents."""
        secure = self.public_url.startswith("https://")
        return [f"{'wss' if secure else 'ws'}://{self.host}/tracker/socket",
                f"{self.public_url}/tracker/announce"]

    @property
    def rtmp_url(self) -> str:
        """The RTMP URL streamers give their encoder, the stream key after it."""
        hostname = self.host.rsplit(":", 1)[0] if not self.host.endswith("]") else self.host
        return self.rtmp_url_override or f"rtmp://{hostname}:{self.rtmp_port}/live"

    @property
    def host(self) -> str:
        return self.public_url.split("://", 1)[1].split("/", 1)[0]

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> "Settings":
        env = os.environ if env is None else env
        public_url = env.get("PEERLESS_PUBLIC_URL", "http://localhost:9000").rstrip("/")
        return cls(
            public_url=public_url,
            media_url=env.get("PEERLESS_MEDIA_URL", public_url).rstrip("/"),
            table=env.get("PEERLESS_TABLE", "peerless"),
            uploads_bucket=env.get("PEERLESS_UPLOADS_BUCKET", "peerless-uploads"),
            media_bucket=env.get("PEERLESS_MEDIA_BUCKET", "peerless-media"),
            transcode_queue=env.get("PEERLESS_TRANSCODE_QUEUE", "peerless-transcode"),
            aws_endpoint_url=env.get("AWS_ENDPOINT_URL") or None,
            s3_browser_endpoint=env.get("PEERLESS_S3_BROWSER_ENDPOINT") or None,
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
            instance_name=env.get("PEERLESS_INSTANCE_NAME", "Peerless"),
            max_resolution=int(env.get("PEERLESS_MAX_RESOLUTION", "720")),
            max_video_duration=int(env.get("PEERLESS_MAX_VIDEO_DURATION", str(6 * 3600))),
            fast_publish_seconds=int(env.get("PEERLESS_FAST_PUBLISH_SECONDS", "60")),
            chunk_seconds=float(env["PEERLESS_CHUNK_SECONDS"])
            if env.get("PEERLESS_CHUNK_SECONDS") else None,
            site_index=env.get("PEERLESS_SITE_INDEX") or None,
            key_store=env.get("PEERLESS_KEY_STORE", "local"),
            # Beside the rest of the local stack's data unless placed elsewhere.
            key_file=env.get("PEERLESS_KEY_FILE") or os.path.join(
                env.get("PEERLESS_DATA_DIR", ".peerless"), "actor-keys.key"),
            kms_key_id=env.get("PEERLESS_KMS_KEY_ID") or None,
            delivery_queue=env.get("PEERLESS_DELIVERY_QUEUE", "peerless-delivery"),
            federation_allow_private=env.get(
                "PEERLESS_FEDERATION_ALLOW_PRIVATE", "").lower() in ("1", "true", "yes"),
            inbox_queue=env.get("PEERLESS_INBOX_QUEUE", "peerless-inbox"),
            rtmp_port=int(env.get("PEERLESS_RTMP_PORT", "1935")),
            rtmp_url_override=env.get("PEERLESS_RTMP_URL") or None,
            seeder_service=env.get("PEERLESS_SEEDER_SERVICE") or None,
        )


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()
