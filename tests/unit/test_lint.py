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
