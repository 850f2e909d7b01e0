"""The CDK app: `make synth` (offline) and `make deploy` run it; settings come from the
environment (see README, "Deploying to AWS")."""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

INFRA = Path(__file__).resolve().parent
# Scratch space (the packaged apps, the dependency layer), outside the linted source trees.
BUILD = INFRA.parent / ".infra-build"
sys.path.insert(0, str(INFRA))

import aws_cdk as cdk  # noqa: E402

from peerless_infra.stack import Options, PeerlessStack  # noqa: E402

STACK_NAME = "Peerless"


def options_from_env(env=os.environ) -> Options:
    def flag(name: str, default: bool) -> bool:
        value = env.get(name)
        return default if value is None else value.lower() in ("1", "true", "yes", "on")

    layer_dir = Path(env.get("PEERLESS_LAYER_DIR", BUILD / "layer"))
    if not layer_dir.is_dir():
        # Synth alone needs no dependencies; deploy builds the layer before synth.
        (layer_dir / "python").mkdir(parents=True)
    extra = {k: env[k] for k in ("PEERLESS_INSTANCE_NAME", "PEERLESS_REDUNDANCY_STRATEGY",
                                 "PEERLESS_REDUNDANCY_SIZE", "PEERLESS_MAX_RESOLUTION")
             if env.get(k)}
    return Options(
        domain=env.get("PEERLESS_DOMAIN", "peerless.example.org"),
        hosted_zone_id=env.get("PEERLESS_HOSTED_ZONE_ID") or None,
        layer_dir=layer_dir, site_dir=INFRA.parent / "static_site" / "dist",
        build_dir=BUILD,
        keep_data=not flag("PEERLESS_DESTROY_DATA", False),
        seeder_spot=flag("PEERLESS_SEEDER_SPOT", True),
        seeder_on_demand=flag("PEERLESS_SEEDER", True),
        seeder_cpu=seeder_cpu(env.get("PEERLESS_SEEDER_CPU", "256")),
        alert_email=env.get("PEERLESS_ALERT_EMAIL") or None, extra_environment=extra)


SEEDER_CPU_SIZES = (256, 512, 1024, 2048, 4096)


def seeder_cpu(value: str) -> int:
    """PEERLESS_SEEDER_CPU: one of Fargate's CPU sizes, in units of 1/1024 vCPU."""
    if not value.isdigit() or int(value) not in SEEDER_CPU_SIZES:
        raise SystemExit(f"PEERLESS_SEEDER_CPU must be one of {SEEDER_CPU_SIZES}, "
                         f"not {value!r}")
    return int(value)


def build(options: Options, outdir: str | None = None) -> cdk.App:
    app = cdk.App(outdir=outdir)
    PeerlessStack(app, STACK_NAME, options=options, env=cdk.Environment(
        account=os.environ.get("CDK_DEFAULT_ACCOUNT"), region="us-east-1"))
    return app


def synth_templates() -> Path:
    """`make synth`: the whole cloud assembly (with its staged assets, Python among them)
    goes to the scratch space; the templates alone are copied to infra/cdk.out."""
    assembly = build(options_from_env(), outdir=str(BUILD / "cdk.out")).synth()
    out = INFRA / "cdk.out"
    out.mkdir(exist_ok=True)
    for stack in assembly.stacks:
        shutil.copy2(stack.template_full_path, out / stack.template_file)
    return out


if __name__ == "__main__":
    if os.environ.get("CDK_OUTDIR"):  # run by the CDK CLI (make deploy), which names it
        build(options_from_env()).synth()
    else:
        print(f"Templates written to {synth_templates()}")
