"""pyflakes finds nothing: no unused import, no undefined name, no dead assignment."""
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_pyflakes_is_clean():
    result = subprocess.run(
        [sys.executable, "-m", "pyflakes", "functions", "local", "infra", "tests", "bench"],
        cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_each_function_imports_alone():
    """A deployed function starts from its own entry module in a fresh interpreter: an
    import cycle that another import order hides must show here."""
    for directory, module in (("functions/api", "app"), ("functions/inbox", "app"),
                              ("functions/transcode", "handler")):
        result = subprocess.run([sys.executable, "-c", f"import {module}"],
                                cwd=ROOT / directory, capture_output=True, text=True)
        assert result.returncode == 0, f"{directory}: {result.stderr}"
