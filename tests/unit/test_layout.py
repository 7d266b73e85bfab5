"""The layout rules (docs/DEVELOPING.md), checked on the source.

- Every module of directory/ imports in a fresh interpreter, whatever the order:
  nothing depends on another module having been imported first.
- A feature never imports another feature's views (views are leaves; shared view code
  lives in directory/web/).
- directory/core imports no feature; directory/search imports no feature's services.
- Import cycles between packages are only the known ones listed below; a new one fails.
"""

from __future__ import annotations

import ast
import os
import random
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PKG = ROOT / "directory"
PACKAGES = sorted(p.name for p in PKG.iterdir() if (p / "__init__.py").exists())
SHARED = {"core", "web"}
FEATURES = [p for p in PACKAGES if p not in SHARED]

# Package cycles that exist on purpose, each with its reason (none today: a lower feature
# learns of a higher one through signals and page parts, docs/DEVELOPING.md "Layering").
KNOWN_CYCLES: set[frozenset[str]] = set()
# Packages on the pairs above; a longer cycle through any other package fails the test.
KNOWN_TANGLED: set[str] = set().union(*KNOWN_CYCLES)


def _modules() -> list[str]:
    names = []
    for path in sorted(PKG.rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        names.append(".".join(parts))
    return names


def _package(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in PACKAGES else None


def _runtime_nodes(tree: ast.Module) -> list[ast.AST]:
    """Every node that runs, at any depth: what `if TYPE_CHECKING:` holds is left out."""
    nodes: list[ast.AST] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        nodes.append(node)
        if isinstance(node, ast.If) and ast.unparse(node.test) in _TYPE_CHECKING:
            todo += node.orelse
            continue
        todo += ast.iter_child_nodes(node)
    return nodes


_TYPE_CHECKING = {"TYPE_CHECKING", "typing.TYPE_CHECKING"}


def _imports(path: Path, top_level_only: bool = False) -> list[tuple[str, int]]:
    """Every `directory.*` name the file imports when it runs (module and module.name forms).

    Imports inside functions count (deferring one does not remove the dependency); those
    for type checkers only do not. `top_level_only`: the module's own top-level statements.
    """
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else _runtime_nodes(tree)
    found: list[tuple[str, int]] = []
    for node in nodes:
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            found += [(f"{node.module}.{a.name}", node.lineno) for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(a.name, node.lineno) for a in node.names]
    return [(n, line) for n, line in found if n.split(".")[0] == "directory"]


def _path(module: str) -> Path:
    base = ROOT / module.replace(".", "/")
    return base / "__init__.py" if base.is_dir() else base.with_suffix(".py")


def _is_views(name: str) -> bool:
    parts = name.split(".")
    if len(parts) < 3 or parts[1] not in FEATURES:
        return False
    leaf = parts[2]
    return (leaf.endswith("views") or leaf == "view_helpers") and _path(
        ".".join(parts[:3])
    ).exists()


def test_every_module_imports_in_a_fresh_interpreter_in_any_order() -> None:
    modules = _modules()
    assert len(modules) > 50
    seed = int(os.environ.get("LAYOUT_SEED", random.randrange(1 << 30)))
    code = "import importlib, sys\nfor m in sys.argv[1:]:\n    importlib.import_module(m)\n"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    order = modules[:]
    random.Random(seed).shuffle(order)  # one order per run; LAYOUT_SEED repeats one
    done = subprocess.run(
        [sys.executable, "-c", code, *order],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, (
        f"importing in the order of LAYOUT_SEED={seed} failed:\n{done.stderr[-3000:]}"
    )


def test_no_feature_imports_another_features_views() -> None:
    bad = []
    for module in _modules():
        own = _package(module)
        for name, line in _imports(_path(module)):
            if _is_views(name) and _package(name) != own:
                bad.append(f"{module}:{line} imports {name}")
    assert not bad, "\n".join(bad)


def test_core_imports_no_feature_and_search_no_services() -> None:
    bad = []
    for module in _modules():
        own = _package(module)
        for name, line in _imports(_path(module)):
            other = _package(name)
            if own == "core" and other not in (None, "core"):
                bad.append(f"{module}:{line} imports {name}")
            if own == "search" and other not in (None, "search") and ".services" in name:
                bad.append(f"{module}:{line} imports {name}")
    assert not bad, "\n".join(bad)


def test_package_cycles_are_only_the_known_ones() -> None:
    edges: dict[str, set[str]] = {p: set() for p in PACKAGES}
    for module in _modules():
        own = _package(module)
        if own is None:
            continue
        for name, _line in _imports(_path(module)):
            other = _package(name)
            if other is not None and other != own:
                edges[own].add(other)
    # Every cycle shows up as a strongly connected pair on the transitive closure.
    reach = {p: set(targets) for p, targets in edges.items()}
    changed = True
    while changed:
        changed = False
        for p in reach:
            extra = set().union(*(reach[q] for q in reach[p])) - reach[p]
            if extra:
                reach[p] |= extra
                changed = True
    tangled = {p for p in reach if p in reach[p]}
    direct = {frozenset({a, b}) for a in edges for b in edges[a] if a in edges[b]}
    new = direct - KNOWN_CYCLES
    assert not new, f"new package import cycles: {sorted(map(sorted, new))}"
    # The list only shrinks: a cycle that went is taken off it.
    gone = KNOWN_CYCLES - direct
    assert not gone, f"no longer cycles, take them off KNOWN_CYCLES: {sorted(map(sorted, gone))}"
    # Longer cycles must run through the known pairs only.
    assert tangled <= KNOWN_TANGLED, (
        f"packages in a new import cycle: {sorted(tangled - KNOWN_TANGLED)}"
    )
