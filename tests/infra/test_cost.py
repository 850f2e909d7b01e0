"""The cost model's arithmetic and its command line."""
import subprocess
import sys

import pytest

from peerless_infra.cost import PRICES, Model, report


def test_idle_month_adds_up_the_always_on_parts():
    idle = Model().idle_month()
    assert sum(Model(seeder=False).idle_month().values()) == pytest.approx(1.60)
    assert sum(idle.values()) == pytest.approx(1.60 + 730 * (
        0.25 * PRICES["fargate_spot_vcpu_hour"] + 0.5 * PRICES["fargate_spot_gb_hour"]
        + PRICES["public_ipv4_hour"]))
    assert sum(Model(spot=False).idle_month().values()) > sum(idle.values())


def test_video_hour_scales_with_measured_cpu():
    one = Model(cpu_seconds_per_second=1.49).video_hour()["transcode (Lambda)"]
    two = Model(cpu_seconds_per_second=2.98).video_hour()["transcode (Lambda)"]
    assert two == pytest.approx(2 * one)
    # 1.49 CPU-s per s x 3600 s x 1.25 overhead x 1.769 GB per vCPU x the GB-s price.
    assert one == pytest.approx(3600 * 1.49 * 1.25 * 1.769 * PRICES["lambda_gb_second"])


def test_p2p_share_takes_its_part_off_the_cdn():
    none = sum(Model().terabyte_viewed(0).values())
    assert sum(Model().terabyte_viewed(0.75).values()) == pytest.approx(none / 4)
    assert sum(Model().terabyte_viewed(1).values()) == 0


def test_cli_names_the_prices_date():
    result = subprocess.run([sys.executable, "-m", "peerless_infra.cost", "--p2p-share", "0.8"],
                            capture_output=True, text=True, check=True)
    assert "as of 2025" in result.stdout and "80% of it peer to peer" in result.stdout
    assert report(Model(), 0.8) == result.stdout.strip()


def test_a_seeder_sized_for_lives_costs_its_cpu_and_memory():
    small, live = Model().idle_month(), Model(seeder_vcpu=1).idle_month()
    task = next(k for k in live if k.startswith("seeder task"))
    assert "1 vCPU/2 GB" in task
    assert sum(live.values()) - sum(small.values()) == pytest.approx(730 * (
        0.75 * PRICES["fargate_spot_vcpu_hour"] + 1.5 * PRICES["fargate_spot_gb_hour"]))
