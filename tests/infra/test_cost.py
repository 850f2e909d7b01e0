"""The cost model's arithmetic and its command line."""
import subprocess
import sys
from pathlib import Path

import pytest

from peerless_infra.cost import PRICES, Model, markdown, report


def test_idle_month_is_what_runs_whatever_happens_and_meets_the_aim():
    idle = Model().idle_month()
    assert sum(idle.values()) == pytest.approx(
        PRICES["kms_key_month"] + PRICES["route53_zone_month"] + PRICES["ecr_gb_month"])
    assert sum(idle.values()) <= 5
    # A parked seeder: no task, and no public address (billed only while the task runs).
    assert idle["seeder, parked"] == 0


def test_an_hour_of_the_seeder_is_its_task_and_its_address():
    hour = Model().seeder_hour()
    assert sum(hour.values()) == pytest.approx(
        0.25 * PRICES["fargate_spot_vcpu_hour"] + 0.5 * PRICES["fargate_spot_gb_hour"]
        + PRICES["public_ipv4_hour"])
    assert sum(Model(spot=False).seeder_hour().values()) > sum(hour.values())


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
    small, live = Model().seeder_hour(), Model(seeder_vcpu=1).seeder_hour()
    task = next(k for k in live if k.startswith("seeder task"))
    assert "1 vCPU/2 GB" in task
    assert sum(live.values()) - sum(small.values()) == pytest.approx(
        0.75 * PRICES["fargate_spot_vcpu_hour"] + 1.5 * PRICES["fargate_spot_gb_hour"])


def test_the_readme_table_is_the_models():
    """README's "Cost model" table is `python -m peerless_infra.cost --markdown`."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    assert markdown(Model()) in readme
    result = subprocess.run([sys.executable, "-m", "peerless_infra.cost", "--markdown"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.strip() == markdown(Model())
