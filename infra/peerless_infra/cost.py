"""The cost model (`make cost`): what an idle instance costs a month, what an hour of video
costs to transcode, what a terabyte viewed costs at a given peer-to-peer share.

Prices: AWS us-east-1 list prices as of 2025 (the author's knowledge; check the pricing
pages before relying on them). Free tiers are left out: the model is for an account past
them.
"""
from __future__ import annotations

import argparse
from dataclasses import dataclass

PRICES_DATE = "2025"
HOURS_PER_MONTH = 730
PRICES = {
    "fargate_vcpu_hour": 0.04048, "fargate_gb_hour": 0.004445,
    # Fargate Spot, about 70% off (it floats; this is its usual level).
    "fargate_spot_vcpu_hour": 0.012144, "fargate_spot_gb_hour": 0.0013335,
    "public_ipv4_hour": 0.005,
    "kms_key_month": 1.00,
    "route53_zone_month": 0.50,
    "ecr_gb_month": 0.10,
    "s3_gb_month": 0.023,
    "lambda_gb_second": 0.0000166667,          # x86
    "cloudfront_gb_out": 0.085,                 # first 10 TB, North America and Europe
    "cloudfront_10k_https_requests": 0.0100,
}
IMAGES_GB = 1.0             # the transcode and seeder images in ECR
LAMBDA_GB_PER_VCPU = 1.769   # Lambda gives one vCPU per 1,769 MB
# bench/transcode.py: the full 1080p ladder in one ffmpeg process, 14.9 CPU-s per 10 s of
# 1080p30 input.
MEASURED_CPU_SECONDS_PER_SECOND = 1.49
SEGMENT_MB = 2.5            # a 4 s segment at ~5 Mbit/s


@dataclass(frozen=True)
class Model:
    spot: bool = True
    seeder: bool = True
    seeder_vcpu: float = 0.25     # PEERLESS_SEEDER_CPU / 1024; memory is twice as many GB
    cpu_seconds_per_second: float = MEASURED_CPU_SECONDS_PER_SECOND
    # Wall time over CPU time across the chunks: probing, joins, threads not kept busy.
    parallel_overhead: float = 1.25
    ladder_mbps: float = 9.0   # all renditions together, HLS and web videos each once

    def idle_month(self) -> dict[str, float]:
        p = PRICES
        lines = {"KMS key (actor keys)": p["kms_key_month"],
                 "Route 53 hosted zone": p["route53_zone_month"],
                 "ECR images": IMAGES_GB * p["ecr_gb_month"]}
        if self.seeder:
            kind = "fargate_spot" if self.spot else "fargate"
            gb = max(0.5, 2 * self.seeder_vcpu)
            hourly = self.seeder_vcpu * p[f"{kind}_vcpu_hour"] + gb * p[f"{kind}_gb_hour"]
            lines[f"seeder task ({'Spot' if self.spot else 'on demand'}, "
                  f"{self.seeder_vcpu:g} vCPU/{gb:g} GB)"] = hourly * HOURS_PER_MONTH
            lines["seeder's public IPv4 address"] = p["public_ipv4_hour"] * HOURS_PER_MONTH
        return lines

    def video_hour(self) -> dict[str, float]:
        cpu_seconds = 3600 * self.cpu_seconds_per_second * self.parallel_overhead
        # Billed GB-s = memory x wall time; with CPU in proportion to memory, that is
        # CPU-seconds x GB per vCPU, whatever the memory chosen.
        gb_seconds = cpu_seconds * LAMBDA_GB_PER_VCPU
        stored_gb = self.ladder_mbps * 3600 / 8 / 1000
        return {"transcode (Lambda)": gb_seconds * PRICES["lambda_gb_second"],
                f"storage of the renditions ({stored_gb:.1f} GB), per month":
                    stored_gb * PRICES["s3_gb_month"]}

    def terabyte_viewed(self, p2p_share: float) -> dict[str, float]:
        from_cdn_gb = 1000 * (1 - p2p_share)
        requests = from_cdn_gb * 1000 / SEGMENT_MB
        return {"CloudFront data out": from_cdn_gb * PRICES["cloudfront_gb_out"],
                "CloudFront requests": requests / 10000 * PRICES["cloudfront_10k_https_requests"]}


def report(model: Model, p2p_share: float) -> str:
    def block(title: str, lines: dict[str, float]) -> list[str]:
        out = [title] + [f"  {name:<58} ${value:8.2f}" for name, value in lines.items()]
        return out + [f"  {'total':<58} ${sum(lines.values()):8.2f}"]

    return "\n".join(
        [f"Peerless cost model: AWS us-east-1 list prices as of {PRICES_DATE}, no free tier."]
        + block("Idle, per month:", model.idle_month())
        + block(f"Per hour of video transcoded ({model.cpu_seconds_per_second} CPU-s per "
                "second of video):", model.video_hour())
        + block(f"Per TB viewed, {p2p_share:.0%} of it peer to peer:",
                model.terabyte_viewed(p2p_share)))


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpu-seconds-per-second", type=float,
                        default=MEASURED_CPU_SECONDS_PER_SECOND,
                        help="measured by bench/transcode.py (CPU-s per second of video)")
    parser.add_argument("--p2p-share", type=float, default=0.5,
                        help="the share of viewing served peer to peer (0 to 1)")
    parser.add_argument("--on-demand", action="store_true", help="the seeder not on Spot")
    parser.add_argument("--no-seeder", action="store_true",
                        help="the seeder parked (PEERLESS_SEEDER=0)")
    parser.add_argument("--seeder-vcpu", type=float, default=0.25,
                        help="the seeder task's vCPU (PEERLESS_SEEDER_CPU / 1024); lives "
                             "want 1")
    args = parser.parse_args(argv)
    if not 0 <= args.p2p_share <= 1:
        parser.error("--p2p-share is between 0 and 1")
    print(report(Model(spot=not args.on_demand, seeder=not args.no_seeder,
                       seeder_vcpu=args.seeder_vcpu,
                       cpu_seconds_per_second=args.cpu_seconds_per_second), args.p2p_share))


if __name__ == "__main__":
    main()
