"""The stack synthesised once per session (about 10 s), offline, into a temporary directory."""
import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "infra"))


@pytest.fixture(scope="session")
def synth(tmp_path_factory):
    import app as infra_app
    from peerless_infra.stack import Options
    tmp = tmp_path_factory.mktemp("synth")
    site = tmp / "site"
    site.mkdir()
    (site / "index.html").write_text("<!doctype html><title>Peerless</title>")
    (tmp / "layer" / "python").mkdir(parents=True)
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    options = Options(domain="videos.example.org", layer_dir=tmp / "layer", site_dir=site,
                      build_dir=tmp / "build")
    assembly = infra_app.build(options, outdir=str(tmp / "cdk.out")).synth()
    stack = assembly.get_stack_by_name(infra_app.STACK_NAME)
    return Path(stack.template_full_path)


@pytest.fixture(scope="session")
def template(synth):
    return json.loads(synth.read_text())


def resources_of(template, kind):
    return {k: v for k, v in template["Resources"].items() if v["Type"] == kind}
