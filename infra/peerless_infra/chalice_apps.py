"""The api and inbox Chalice apps as CDK constructs (chalice.cdk), packaged offline.

`chalice package` pip-downloads Lambda wheels for every line of an app's requirements.txt.
So each app is staged into a project directory of its own with an EMPTY requirements.txt:
the app, its chalicelib, and the repository's own packages (peerless, peerless_infra) in
`vendor/`. Packaging that needs no network. The third-party dependencies travel in one
Lambda layer (`layer.py`), built from PyPI's manylinux wheels by `make deploy` only.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The repository's packages every function imports, and where they live.
OWN_PACKAGES = {"peerless": ROOT / "functions" / "peerless",
                "peerless_infra": ROOT / "infra" / "peerless_infra"}
APPS = {"api": ROOT / "functions" / "api", "inbox": ROOT / "functions" / "inbox"}


def stage(name: str, build_dir: Path, site_index: Path) -> Path:
    """A Chalice project directory for app `name` under `build_dir`, made anew, with the
    web app's `site_index` (page addresses are answered with it, their tags written in)."""
    source = APPS[name]
    project = build_dir / "chalice" / name
    shutil.rmtree(project, ignore_errors=True)
    project.mkdir(parents=True)
    shutil.copy2(source / "app.py", project / "app.py")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    if (source / "chalicelib").is_dir():
        shutil.copytree(source / "chalicelib", project / "chalicelib", ignore=ignore)
    for package, path in OWN_PACKAGES.items():
        shutil.copytree(path, project / "vendor" / package, ignore=ignore)
    shutil.copy2(site_index, project / "vendor" / "site-index.html")
    (project / "requirements.txt").write_text("")
    (project / ".chalice").mkdir()
    (project / ".chalice" / "config.json").write_text(json.dumps(
        {"version": "2.0", "app_name": f"peerless-{name}", "stages": {}}))
    return project


@contextlib.contextmanager
def packaging(build_dir: Path, region: str):
    """Around one chalice.cdk.Chalice construct: Chalice imports the app as the module
    `app` (both apps are named so) and writes to ./chalice.out; each packaging gets a clean
    module table and the build directory as its working directory. Chalice's packager
    makes an AWS client (no call): it needs a region.

    Chalice also puts the stage's environment variables (the deployed functions': tokens
    of the template, the KMS key store...) into this process's environment while it loads
    the app, and leaves them there: the environment is given back whole afterwards, and
    our modules first imported under it are forgotten, so that nothing run later in the
    same process (a test session, a local stack it starts) takes the deployment's settings
    for its own."""
    saved_path, saved_cwd, saved_env = list(sys.path), os.getcwd(), dict(os.environ)
    modules_before = set(sys.modules)
    os.environ["AWS_DEFAULT_REGION"] = region
    _forget_app_modules()
    build_dir.mkdir(parents=True, exist_ok=True)
    os.chdir(build_dir)
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path
        os.environ.clear()
        os.environ.update(saved_env)
        _forget_app_modules(set(sys.modules) - modules_before)
        settings_module = sys.modules.get("peerless.settings")
        if settings_module is not None:
            settings_module.settings.cache_clear()


def _forget_app_modules(imported: set[str] = frozenset()) -> None:
    """The apps' modules (both are `app`), and those of ours in `imported`."""
    for module in [m for m in sys.modules if m == "app" or m.split(".")[0] == "chalicelib"
                   or (m in imported and m.split(".")[0] == "peerless")]:
        del sys.modules[module]
