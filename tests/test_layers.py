"""The modules' imports, read with `ast`: each layer looks only down, the layers below HTTP
import no web framework, no router imports another, and no private name crosses a module."""

import ast
import subprocess
import sys
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"

# Lowest first; a module may import from its own layer and the ones before it. The README's
# "How it is built" says the same in words.
LAYERS = {
    "core": ["ids", "numbers", "qualifiers", "dates", "intervals", "statements", "citations",
             "bibliography", "csl",
             "negotiation", "paging", "tabular", "workbooks", "etags", "errors", "config",
             "extract", "scoring", "search_terms", "__init__"],
    "data": ["db", "models", "schemas", "mapping", "rules", "curation", "linked_data"],
    "services": ["services", "tables", "migrate"],
    "http": ["deps", "guards", "auth", "middleware", "cache", "openapi", "problems", "responses",
             "figure_lists", "pages", "feeds", "routers", "docs", "main", "server", "logs",
             "ratelimit", "bake", "bake_plan", "baked_tree", "bake_inventory", "inprocess",
             "forked", "scopes"],
    "cli": ["cli"],
}  # fmt: skip
ORDER = list(LAYERS)
WEB = ("fastapi", "starlette", "uvicorn")


def module_name(path: Path) -> str:
    parts = path.relative_to(APP).with_suffix("").parts if path != APP else ()
    return ".".join(("app", *parts)).removesuffix(".__init__")


def layer_of(module: str) -> str:
    top = module.split(".")[1] if module.count(".") else "__init__"
    for layer, members in LAYERS.items():
        if top in members:
            return layer
    raise AssertionError(f"{module} is in no layer: add it to LAYERS (and to the README)")


def imports(path: Path) -> list[tuple[str, list[str], int]]:
    """(module imported, names taken from it, line) for every import in the file."""
    found = []
    package = module_name(path) if path.name == "__init__.py" else module_name(path.parent)
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, [], node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: from the package this file is in
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            found.append((base, [alias.name for alias in node.names], node.lineno))
    return found


FILES = sorted(APP.rglob("*.py"))


def test_every_module_is_in_a_layer() -> None:
    for path in FILES:
        layer_of(module_name(path))


@pytest.mark.parametrize("path", FILES, ids=lambda p: module_name(p))
def test_a_module_looks_only_down(path: Path) -> None:
    me = module_name(path)
    mine = ORDER.index(layer_of(me))
    for imported, names, line in imports(path):
        targets = [imported]
        if imported == "app":  # `from app import models`: each name is a module or __version__
            targets = [f"app.{n}" for n in names if not n.startswith("__")]
        for target in targets:
            if target.startswith("app."):
                assert ORDER.index(layer_of(target)) <= mine, (
                    f"{me}:{line} ({layer_of(me)}) imports {target} ({layer_of(target)})"
                )
            if mine < ORDER.index("http"):
                assert target.split(".")[0] not in WEB, f"{me}:{line} imports {target}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: module_name(p))
def test_no_router_imports_another_and_no_private_name_crosses(path: Path) -> None:
    me = module_name(path)
    for imported, names, line in imports(path):
        if me.startswith("app.routers."):
            assert not imported.startswith("app.routers"), f"{me}:{line} imports {imported}"
            assert not (imported == "app" and "routers" in names), f"{me}:{line}"
        if imported.startswith("app"):
            private = [n for n in names if n.startswith("_") and not n.startswith("__")]
            assert not private, f"{me}:{line} takes {private} from {imported}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: module_name(p))
def test_a_module_is_short_enough_to_hold(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= 400, f"{module_name(path)} has {lines} lines: split it by what it does"


def test_the_app_imports_without_what_only_some_requests_use() -> None:
    """`import app.main` (what every server process and `depstats serve` pay at start) leaves
    out the extractor (its rules compile in 0.15 s), the stemmer's package (it loads 30
    languages, 0.1 s) and XlsxWriter: each is imported by the first request that needs it."""
    loaded = subprocess.run(
        [sys.executable, "-c", "import sys, app.main; print(' '.join(sys.modules))"],
        capture_output=True, text=True, check=True, cwd=APP.parent,
    ).stdout.split()  # fmt: skip
    assert "app.main" in loaded
    late = ("app.extract", "snowballstemmer", "xlsxwriter", "dateparser", "pysbd")
    assert [m for m in loaded if m.split(".")[0] in late or m.startswith("app.extract")] == []


IMPORT_EACH_FIRST = """
import importlib, sys
failed = []
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "app" or m.startswith("app.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except ImportError as exc:
        failed.append(f"{name}: {exc}")
print("\\n".join(failed))
"""


def test_every_module_imports_first_without_a_cycle() -> None:
    # A cycle shows only when a module is the first of its cycle to be imported: `import
    # app.bake` failed so while the app's own start, which imports app.main first, did not.
    names = [module_name(path) for path in FILES]
    done = subprocess.run(
        [sys.executable, "-c", IMPORT_EACH_FIRST, *names],
        capture_output=True, text=True, check=True, cwd=APP.parent,
    )  # fmt: skip
    assert done.stdout.strip() == ""
