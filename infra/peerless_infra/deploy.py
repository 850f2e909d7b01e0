"""`make deploy` / `make destroy`: checks what a deployment needs before anything slow or
networked (no credentials or no domain: a clear message and exit 2 in well under a
second), then bootstraps the account if needed, builds the dependency layer and runs the
CDK CLI (infra/node_modules), which builds and pushes the container images."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

INFRA = Path(__file__).resolve().parents[1]
ROOT = INFRA.parent
LAYER = ROOT / ".infra-build" / "layer"
CDK = INFRA / "node_modules" / ".bin" / "cdk"
REGION = "us-east-1"  # CloudFront's certificate lives there; the cost model prices it
CREDENTIAL_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_PROFILE", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
                        "AWS_WEB_IDENTITY_TOKEN_FILE")


def preflight(env=os.environ) -> list[str]:
    """What is missing, as sentences; empty when a deployment may start."""
    problems = []
    if not any(env.get(name) for name in CREDENTIAL_VARIABLES):
        problems.append("No AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
                        "(or AWS_PROFILE).")
    elif env.get("AWS_ACCESS_KEY_ID") and not env.get("AWS_SECRET_ACCESS_KEY"):
        problems.append("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not.")
    domain = env.get("PEERLESS_DOMAIN", "")
    if not domain:
        problems.append("No domain: set PEERLESS_DOMAIN to the instance's name, "
                        "e.g. PEERLESS_DOMAIN=videos.example.org.")
    elif "." not in domain or "/" in domain or ":" in domain:
        problems.append(f"PEERLESS_DOMAIN={domain!r} is not a bare domain name "
                        "(no scheme, no port, no path).")
    return problems


def _run(*command: str, env: dict[str, str]) -> None:
    print("+", " ".join(command), flush=True)
    subprocess.run(command, check=True, cwd=INFRA, env=env)


def _bootstrapped() -> bool:
    import boto3
    ssm = boto3.client("ssm", region_name=REGION)
    try:
        ssm.get_parameter(Name="/cdk-bootstrap/hnb659fds/version")
        return True
    except ssm.exceptions.ParameterNotFound:
        return False


def _build_layer(env: dict[str, str]) -> None:
    """The functions' third-party dependencies, as Lambda's Linux wheels."""
    import tomllib
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    target = LAYER / "python"
    _run(sys.executable, "-m", "pip", "install", "--quiet", "--upgrade", "--target", str(target),
         "--platform", "manylinux2014_x86_64", "--implementation", "cp",
         "--python-version", "3.11", "--only-binary=:all:",
         *[d for d in declared if not d.startswith("chalice")], env=env)


def main(argv: list[str]) -> int:
    action = argv[0] if argv else "deploy"
    problems = preflight()
    if problems:
        print(f"make {action}: cannot start.", *problems, sep="\n  ", file=sys.stderr)
        return 2
    env = {**os.environ, "AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}
    _run("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error", env=env)
    cdk = [str(CDK), "--app", f"{sys.executable} app.py"]
    if action == "destroy":
        _run(*cdk, "destroy", "--force", env=env)
        if os.environ.get("PEERLESS_DESTROY_DATA", "") not in ("1", "true", "yes"):
            print("The table and the buckets were kept (PEERLESS_DESTROY_DATA=1 removes "
                  "them with the stack).")
        return 0
    if not _bootstrapped():
        _run(*cdk, "bootstrap", f"aws://{_account()}/{REGION}", env=env)
    _build_layer(env)
    outputs = ROOT / ".infra-build" / "outputs.json"
    _run(*cdk, "deploy", "--require-approval", "never", "--outputs-file", str(outputs), env=env)
    import json
    stack = json.loads(outputs.read_text())["Peerless"]
    print(f"\nPeerless is deployed at {stack['Url']}")
    print(f"  admin password: {stack['AdminPassword']}")
    if "NameServers" in stack:
        print(f"  point the domain at it: name servers {stack['NameServers']}")
    return 0


def _account() -> str:
    import boto3
    return boto3.client("sts", region_name=REGION).get_caller_identity()["Account"]


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
