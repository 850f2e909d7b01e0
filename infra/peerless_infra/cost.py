"""The cost model (`make cost`): what an idle instance costs a month, what an hour of the
seeder running costs, what an hour of video costs to transcode, what a terabyte viewed costs at a given peer-to-peer share.

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
    seeder_vcpu: float = 0.25     # PEERLESS_SEEDER_CPU / 1024; memory is twice as many GB
    cpu_seconds_per_second: float = MEASURED_CPU_SECONDS_PER_SECOND
    # Wall time over CPU time across the chunks: probing, joins, threads not kept busy.
    parallel_overhead: float = 1.25
    ladder_mbps: float = 9.0   # all renditions together, HLS and web videos each once

    def idle_month(self) -> dict[str, float]:
        """What runs all month whatever happens: the seeder is parked (desiredCount 0,
        peerless.seeder_demand), and a stopped task's public address is not billed."""
        p = PRICES
        return {"KMS key (actor keys)": p["kms_key_month"],
                "Route 53 hosted zone": p["route53_zone_month"],
                "ECR images": IMAGES_GB * p["ecr_gb_month"],
                "seeder, parked": 0.0}

    def seeder_hour(self) -> dict[str, float]:
        """An hour of the seeder running: someone watching, a live waiting or streaming."""
        p = PRICES
        kind = "fargate_spot" if self.spot else "fargate"
        gb = max(0.5, 2 * self.seeder_vcpu)
        return {f"seeder task ({'Spot' if self.spot else 'on demand'}, "
                f"{self.seeder_vcpu:g} vCPU/{gb:g} GB)":
                    self.seeder_vcpu * p[f"{kind}_vcpu_hour"] + gb * p[f"{kind}_gb_hour"],
                "its public IPv4 address": p["public_ipv4_hour"]}

    def video_hour(self) -> dict[str, float]:
        cpu_seconds = 3600 * self.cpu_seconds_per_second * self.parallel_overhead
        # Billed GB-s = memory x wall time; with CPU in proportion to memory, that is
        # CPU-seconds x GB per vCPU, whatever the memory chosen.
        gb_seconds = cpu_seconds * LAMBDA_GB_PER_VCPU
        return {"transcode (Lambda)": gb_seconds * PRICES["lambda_gb_second"],
                f"storage of the renditions ({self.stored_gb:.1f} GB), per month":
                    self.stored_gb * PRICES["s3_gb_month"]}

    @property
    def stored_gb(self) -> float:
        """The renditions of an hour of video."""
        return self.ladder_mbps * 3600 / 8 / 1000

    def terabyte_viewed(self, p2p_share: float) -> dict[str, float]:
        from_cdn_gb = 1000 * (1 - p2p_share)
        requests = from_cdn_gb * 1000 / SEGMENT_MB
        return {"CloudFront data out": from_cdn_gb * PRICES["cloudfront_gb_out"],
                "CloudFront requests": requests / 10000 * PRICES["cloudfront_10k_https_requests"]}


def report(model: Model, p2p_share: float) -> str:
    def block(title: str, lines: dict[str, float], places: int = 2) -> list[str]:
        out = [title] + [f"  {name:<58} ${value:8.{places}f}" for name, value in lines.items()]
        return out + [f"  {'total':<58} ${sum(lines.values()):8.{places}f}"]

    hour = sum(model.seeder_hour().values())
    return "\n".join(
        [f"Peerless cost model: AWS us-east-1 list prices as of {PRICES_DATE}, no free tier."]
        + block("Idle, per month:", model.idle_month())
        + block(f"Per hour the seeder runs (someone watching, a live waiting or "
                f"streaming; ${hour * HOURS_PER_MONTH:.2f} a month if it never stopped):",
                model.seeder_hour(), places=4)
        + block(f"Per hour of video transcoded ({model.cpu_seconds_per_second} CPU-s per "
                "second of video):", model.video_hour())
        + block(f"Per TB viewed, {p2p_share:.0%} of it peer to peer:",
                model.terabyte_viewed(p2p_share)))


def markdown(model: Model, p2p_share: float = 0.5) -> str:
    """The README's cost table (`--markdown`), so that it says what the model does."""
    idle, hour = model.idle_month(), model.seeder_hour()
    transcode, storage = model.video_hour().values()
    viewed = sum(model.terabyte_viewed(p2p_share).values())
    task, ipv4 = hour.values()
    fixed = " + ".join(f"{name} ${value:.2f}" for name, value in idle.items() if value)
    return "\n".join([
        "| | cost |",
        "|---|---|",
        f"| idle: {fixed}; the seeder parked, $0 | **${sum(idle.values()):.2f} a month** |",
        f"| an hour the seeder runs: its {'Spot' if model.spot else 'on-demand'} task "
        f"${task:.4f} + its public IPv4 "
        f"${ipv4:.4f} | **${task + ipv4:.4f}** (${(task + ipv4) * HOURS_PER_MONTH:.2f} a "
        f"month if it never stopped) |",
        f"| an hour of video transcoded ({model.cpu_seconds_per_second} CPU-s per second "
        f"of video, bench/transcode.py, {model.parallel_overhead - 1:.0%} overhead) | "
        f"**${transcode:.2f}** (+ ${storage:.2f} a month to store its "
        f"{model.stored_gb:.1f} GB) |",
        f"| a TB viewed, {p2p_share:.0%} of it peer to peer | ${viewed:.2f} (all from the "
        f"CDN: ${sum(model.terabyte_viewed(0).values()):.2f}) |"])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpu-seconds-per-second", type=float,
                        default=MEASURED_CPU_SECONDS_PER_SECOND,
                        help="measured by bench/transcode.py (CPU-s per second of video)")
    parser.add_argument("--p2p-share", type=float, default=0.5,
                        help="the share of viewing served peer to peer (0 to 1)")
    parser.add_argument("--on-demand", action="store_true", help="the seeder not on Spot")
    parser.add_argument("--markdown", action="store_true",
                        help="the README's table instead of the report")
    parser.add_argument("--seeder-vcpu", type=float, default=0.25,
                        help="the seeder task's vCPU (PEERLESS_SEEDER_CPU / 1024); lives "
                             "want 1")
    args = parser.parse_args(argv)
    if not 0 <= args.p2p_share <= 1:
        parser.error("--p2p-share is between 0 and 1")
    model = Model(spot=not args.on_demand, seeder_vcpu=args.seeder_vcpu,
                  cpu_seconds_per_second=args.cpu_seconds_per_second)
    print((markdown if args.markdown else report)(model, args.p2p_share))


if __name__ == "__main__":
    main()
