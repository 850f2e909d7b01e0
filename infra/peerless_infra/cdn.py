"""CloudFront: the one origin viewers and other servers see. The site and the media from
private buckets (origin access control), the API and the inboxes from API Gateway, the
tracker from the seeder, by path, as the local front (local/peerless_local/front.py)."""
from __future__ import annotations

from pathlib import Path

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_certificatemanager as acm
from aws_cdk import aws_cloudfront as cf
from aws_cdk import aws_cloudfront_origins as origins
from aws_cdk import aws_route53 as route53
from aws_cdk import aws_route53_targets as route53_targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_s3_deployment as s3deploy
from constructs import Construct

# The API's addresses besides /api/*: discovery, oEmbed, other servers' pictures.
API_PATHS = ("/api/*", "/.well-known/*", "/nodeinfo*", "/services/oembed*",
             "/lazy-static/remote/*", "/feeds/*")
# ActivityPub ids that are also pages: JSON for servers, HTML for browsers, by Accept.
NEGOTIATED_PATHS = ("/accounts/*", "/video-channels/*", "/video-playlists/*",
                    "/videos/watch/*", "/videos/embed/*", "/w/*", "/c/*", "/a/*")
INBOX_PATHS = ("/inbox", "/accounts/*/inbox", "/video-channels/*/inbox")
TRACKER_PATH = "/tracker/*"
SEEDER_HTTP_PORT = 8000

# A page address the site's router knows (no file extension) is its index.html.
SPA_FUNCTION = """function handler(event) {
  var request = event.request;
  if (request.uri.lastIndexOf('.') <= request.uri.lastIndexOf('/')) {
    request.uri = '/index.html';
  }
  return request;
}"""
# HTTP signatures sign Host; API Gateway only answers to its own, so the viewer's travels
# in X-Forwarded-Host.
FORWARD_HOST_FUNCTION = """function handler(event) {
  var request = event.request;
  request.headers['x-forwarded-host'] = {value: request.headers.host.value};
  return request;
}"""


class Cdn(Construct):
    def __init__(self, scope: Construct, id: str, *, domain: str, zone: route53.IHostedZone,
                 site_dir: Path, media: s3.IBucket, api_domain: str, inbox_domain: str,
                 api_stage: str, seeder_host: str):
        super().__init__(scope, id)
        site = s3.Bucket(self, "SiteBucket", block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
                         encryption=s3.BucketEncryption.S3_MANAGED, enforce_ssl=True,
                         object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
                         # The built web app: made again by every deploy.
                         removal_policy=RemovalPolicy.DESTROY, auto_delete_objects=True)
        certificate = acm.Certificate(self, "Certificate", domain_name=domain,
                                      validation=acm.CertificateValidation.from_dns(zone))
        media_origin = origins.S3BucketOrigin.with_origin_access_control(media)
        https = cf.ViewerProtocolPolicy.REDIRECT_TO_HTTPS
        forward_host = cf.Function(self, "ForwardHost",
                                   code=cf.FunctionCode.from_inline(FORWARD_HOST_FUNCTION))

        def api(domain_name: str, cache: cf.ICachePolicy) -> cf.BehaviorOptions:
            return cf.BehaviorOptions(
                origin=origins.HttpOrigin(domain_name, origin_path=f"/{api_stage}",
                                          protocol_policy=cf.OriginProtocolPolicy.HTTPS_ONLY),
                viewer_protocol_policy=https, allowed_methods=cf.AllowedMethods.ALLOW_ALL,
                cache_policy=cache,
                origin_request_policy=cf.OriginRequestPolicy.ALL_VIEWER_EXCEPT_HOST_HEADER,
                function_associations=[cf.FunctionAssociation(
                    function=forward_host, event_type=cf.FunctionEventType.VIEWER_REQUEST)])

        def media_behavior(cache: cf.ICachePolicy) -> cf.BehaviorOptions:
            return cf.BehaviorOptions(origin=media_origin, viewer_protocol_policy=https,
                                      cache_policy=cache, response_headers_policy=media_cors,
                                      allowed_methods=cf.AllowedMethods.ALLOW_GET_HEAD_OPTIONS)

        media_cors = cf.ResponseHeadersPolicy(
            self, "MediaCors", cors_behavior=cf.ResponseHeadersCorsBehavior(
                access_control_allow_origins=["*"], access_control_allow_credentials=False,
                access_control_allow_methods=["GET", "HEAD", "OPTIONS"],
                access_control_allow_headers=["Range", "Cache-Control", "Content-Type"],
                access_control_expose_headers=["Content-Range", "Content-Length",
                                               "Accept-Ranges", "ETag"],
                access_control_max_age=Duration.days(1), origin_override=True))
        # Segments, renditions, torrents, pictures never change under their names.
        immutable = cf.CachePolicy(
            self, "Immutable", default_ttl=Duration.days(365), min_ttl=Duration.days(1),
            max_ttl=Duration.days(365), enable_accept_encoding_gzip=True)
        # Playlists change: a live one with every segment, a video's master when a
        # rendition joins it.
        playlists = cf.CachePolicy(
            self, "Playlists", default_ttl=Duration.seconds(1), min_ttl=Duration.seconds(0),
            max_ttl=Duration.seconds(2), enable_accept_encoding_gzip=True)
        negotiated = cf.CachePolicy(
            self, "Negotiated", default_ttl=Duration.seconds(0), min_ttl=Duration.seconds(0),
            max_ttl=Duration.minutes(5),
            header_behavior=cf.CacheHeaderBehavior.allow_list("Accept"),
            query_string_behavior=cf.CacheQueryStringBehavior.all(),
            enable_accept_encoding_gzip=True)
        api_domain_origin = api(api_domain, cf.CachePolicy.CACHING_DISABLED)
        behaviors: dict[str, cf.BehaviorOptions] = {
            "/static/streaming-playlists/*.m3u8": media_behavior(playlists),
            "/static/streaming-playlists/*.json": media_behavior(playlists),
            "/static/*": media_behavior(immutable),
        }
        behaviors.update({path: api(inbox_domain, cf.CachePolicy.CACHING_DISABLED)
                          for path in INBOX_PATHS})
        behaviors.update({path: api_domain_origin for path in API_PATHS})
        behaviors["/lazy-static/*"] = media_behavior(immutable)
        behaviors.update({path: api(api_domain, negotiated) for path in NEGOTIATED_PATHS})
        behaviors[TRACKER_PATH] = cf.BehaviorOptions(
            # WebSockets pass through CloudFront: the tracker's wss:// needs no certificate
            # of its own on the seeder.
            origin=origins.HttpOrigin(seeder_host, http_port=SEEDER_HTTP_PORT,
                                      protocol_policy=cf.OriginProtocolPolicy.HTTP_ONLY),
            viewer_protocol_policy=https, cache_policy=cf.CachePolicy.CACHING_DISABLED,
            origin_request_policy=cf.OriginRequestPolicy.ALL_VIEWER,
            allowed_methods=cf.AllowedMethods.ALLOW_ALL)
        self.distribution = cf.Distribution(
            self, "Distribution", domain_names=[domain], certificate=certificate,
            price_class=cf.PriceClass.PRICE_CLASS_100, http_version=cf.HttpVersion.HTTP2_AND_3,
            default_root_object="index.html",
            default_behavior=cf.BehaviorOptions(
                origin=origins.S3BucketOrigin.with_origin_access_control(site),
                viewer_protocol_policy=https,
                cache_policy=cf.CachePolicy.CACHING_OPTIMIZED,
                function_associations=[cf.FunctionAssociation(
                    function=cf.Function(self, "SpaRoutes",
                                         code=cf.FunctionCode.from_inline(SPA_FUNCTION)),
                    event_type=cf.FunctionEventType.VIEWER_REQUEST)]),
            additional_behaviors=behaviors)
        s3deploy.BucketDeployment(self, "Site", sources=[s3deploy.Source.asset(str(site_dir))],
                                  destination_bucket=site, distribution=self.distribution,
                                  distribution_paths=["/index.html"])
        route53.ARecord(self, "Alias", zone=zone, record_name=domain,
                        target=route53.RecordTarget.from_alias(
                            route53_targets.CloudFrontTarget(self.distribution)))
