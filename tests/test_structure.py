"""The layout the design requires, enforced: one-way imports, a core that names no family,
independent witnesses, and modules small enough to read."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from quizproof import registry

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("quizproof", "derivations", "numerics")
MAX_LINES = 400


def modules() -> dict[str, Path]:
    """Every module of the three packages by dotted name."""
    out = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
            out[name] = path
    return out


def _runtime_nodes(tree: ast.AST):
    """Every node, except those under ``if TYPE_CHECKING:`` (annotations only, never run)."""
    todo = [tree]
    while todo:
        node = todo.pop()
        yield node
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and ast.unparse(child.test) == "TYPE_CHECKING":
                todo.extend(child.orelse)
                continue
            todo.append(child)


def imports(name: str, path: Path, known: set[str]) -> set[str]:
    """The project modules a module imports when it runs, at any depth of its code."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in _runtime_nodes(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                base = f"{base}.{node.module}" if node.module else base
            targets = [base] + [f"{base}.{a.name}" for a in node.names]
        else:
            continue
        for target in targets:
            while target and target not in known:
                target = target.rpartition(".")[0]
            if target and target != name:
                found.add(target)
    return found


@pytest.fixture(scope="module")
def graph() -> dict[str, set[str]]:
    mods = modules()
    known = set(mods)
    return {name: imports(name, path, known) for name, path in mods.items()}


def test_the_import_graph_has_no_cycle(graph):
    """Tarjan's strongly connected components: each must be a single module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for v in graph:
        if v not in index:
            visit(v)
    assert not cycles, f"import cycles: {cycles}"


def test_the_cycle_check_sees_a_cycle():
    """The graph walk is not vacuous: the package imports its own modules."""
    mods = modules()
    edges = imports("quizproof.checker", mods["quizproof.checker"], set(mods))
    assert {"quizproof.registry", "quizproof.model", "quizproof.pool"} <= edges


@pytest.mark.parametrize(
    ("package", "forbidden"),
    [("derivations", ("numerics", "quizproof")), ("numerics", ("derivations", "quizproof"))],
)
def test_the_two_witnesses_are_independent(graph, package, forbidden):
    bad = {
        (name, target)
        for name, targets in graph.items()
        if name.split(".")[0] == package
        for target in targets
        if target.split(".")[0] in forbidden
    }
    assert not bad, f"{package} imports {sorted(bad)}"


def core_modules() -> dict[str, Path]:
    """quizproof without its families: checker, simulation runner, CLI, model, manual."""
    return {
        n: p
        for n, p in modules().items()
        if n.split(".")[0] == "quizproof" and n.split(".")[:2] != ["quizproof", "families"]
    }


def test_the_core_imports_no_family(graph):
    bad = {
        (name, t)
        for name, targets in graph.items()
        if name in core_modules()
        for t in targets
        if t.startswith("quizproof.families") and t != "quizproof.families"
    }
    assert not bad, sorted(bad)


def test_the_core_names_no_family():
    """No family's name, variant table or claim id, and no problem number, in the core."""
    words = set()
    for fam in registry.families().values():
        words |= {fam.name, fam.table} - {""}
        if fam.legacy is not None:
            words |= set(fam.legacy.ids)
    assert {"race", "vq", "entropy", "p3b.V"} <= words
    pattern = re.compile(
        r"(?<![A-Za-z0-9_.])("
        + "|".join(re.escape(w) for w in sorted(words))
        + r")(?![A-Za-z0-9_])",
        re.IGNORECASE,
    )
    found = []
    for name, path in core_modules().items():
        text = path.read_text(encoding="utf-8")
        found += [f"{name}: {m.group(0)!r}" for m in pattern.finditer(text)]
        for node in ast.walk(ast.parse(text)):  # a problem number compared: `number == "3"`
            if isinstance(node, ast.Compare) and any(
                isinstance(op, ast.Eq | ast.NotEq) for op in node.ops
            ):
                for side in (node.left, *node.comparators):
                    literal = isinstance(side, ast.Constant) and isinstance(side.value, str)
                    if literal and re.fullmatch(r"\d+", side.value):
                        found.append(f"{name}: compares with the literal {side.value!r}")
    assert not found, "\n".join(found)


@pytest.mark.parametrize("name", sorted(modules()))
def test_no_module_is_over_the_size_limit(name):
    lines = modules()[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_LINES, f"{name} has {lines} lines (limit {MAX_LINES})"
