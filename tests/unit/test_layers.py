"""The import graph of bot/ keeps its layers and has no circles (docs/ARCHITECTURE.md).

Every module is parsed with `ast`, and every import counts: at the top of a file, inside a
function, or under TYPE_CHECKING (an import moved into a function still ties the two modules
together). Importing `bot.a.b` also runs the package `bot.a`, so that is an edge as well, except
for the importer's own packages (already running when it is imported).

Two rules: a module imports only from its own layer or the layers beneath it (services and models
never import telegram; the sandbox is imported only by the developer tools), and no circle of
imports has more than two modules.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "bot"

# The layers from the top down; a module may import its own layer and those below it.
LAYERS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("entry points", ("bot.__main__", "bot.cli")),
    ("developer tools", ("bot.devtools",)),
    ("composition root", ("bot.app",)),
    ("web, handlers and flows", ("bot.web", "bot.handlers", "bot.flows")),
    ("runtime", ("bot.runtime", "bot.migrations")),
    ("messages", ("bot.messages",)),
    ("services", ("bot.services",)),
    ("models", ("bot.models",)),
    ("text helpers and settings", ("bot.text", "bot.config", "bot")),
)
# Beside the layers: the local Bot API, imported only by the developer tools.
SANDBOX = "bot.sandbox"
SANDBOX_USERS = ("bot.devtools", SANDBOX)
# Layers that know nothing of Telegram.
NO_TELEGRAM = ("services", "models", "text helpers and settings")
LARGEST_CIRCLE = 2


@dataclass(frozen=True)
class Import:
    importer: str
    target: str
    line: int


def module_names(package: Path) -> dict[str, Path]:
    """Every module under the package, by its dotted name (a package by its own name)."""
    names = {}
    for path in sorted(package.rglob("*.py")):
        parts = path.relative_to(package.parent).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        names[".".join(parts)] = path
    return names


def _in_bot(name: str) -> bool:
    return name == "bot" or name.startswith("bot.")


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if node.level == 0:
        return node.module or ""
    base = module.split(".")
    base = base[: len(base) - node.level + (1 if is_package else 0)]
    return ".".join([*base, node.module] if node.module else base)


def raw_imports(module: str, path: Path) -> Iterator[tuple[str, list[str], int]]:
    """(module imported from, the names taken, line) for every import anywhere in the file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node.lineno
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, path.name == "__init__.py", node)
            yield source, [alias.name for alias in node.names], node.lineno


def imports_of(module: str, path: Path, modules: Mapping[str, Path]) -> list[Import]:
    """What importing `module` makes Python run: the modules it names and their packages."""
    found: list[Import] = []
    own_packages = {".".join(module.split(".")[:i]) for i in range(1, module.count(".") + 1)}
    for source, names, line in raw_imports(module, path):
        targets = [f"{source}.{name}" for name in names if f"{source}.{name}" in modules]
        if len(targets) < len(names) or not names:
            targets.append(source)
        for target in targets:
            parts = target.split(".")
            packages = [".".join(parts[:i]) for i in range(1, len(parts))]
            for name in [*packages, target]:
                ours = name in modules and name != module and name not in own_packages
                library = name == target and not _in_bot(name)
                if ours or library:
                    found.append(Import(module, name, line))
    return found


def import_graph(package: Path) -> list[Import]:
    modules = module_names(package)
    return [edge for name, path in modules.items() for edge in imports_of(name, path, modules)]


def _within(module: str, prefix: str) -> bool:
    """The module is `prefix` or inside it (the top package `bot` holds only itself)."""
    return module == prefix or (prefix != "bot" and module.startswith(prefix + "."))


def layer_of(module: str) -> str | None:
    """The layer a module belongs to: the one with the longest matching prefix."""
    best: tuple[int, str] | None = None
    for layer, prefixes in LAYERS:
        for prefix in prefixes:
            if _within(module, prefix) and (best is None or len(prefix) > best[0]):
                best = (len(prefix), layer)
    return best[1] if best else None


def violations(edges: list[Import]) -> list[str]:
    """Every import that goes up a layer, reaches Telegram from below, or touches the sandbox."""
    rank = {layer: index for index, (layer, _prefixes) in enumerate(LAYERS)}
    found = []
    for edge in edges:
        where = f"{edge.importer} (line {edge.line}) imports {edge.target}"
        if _within(edge.target, SANDBOX) or _within(edge.importer, SANDBOX):
            inside = _within(edge.importer, SANDBOX) and (
                _within(edge.target, SANDBOX) or not _in_bot(edge.target)
            )
            user = any(_within(edge.importer, prefix) for prefix in SANDBOX_USERS)
            if not inside and not (user and _within(edge.target, SANDBOX)):
                found.append(f"{where}: the sandbox is for the developer tools only")
            continue
        importer_layer = layer_of(edge.importer)
        if importer_layer is None:
            found.append(f"{edge.importer} is in no layer: place it in docs/ARCHITECTURE.md")
            continue
        if _within(edge.target, "telegram") and importer_layer in NO_TELEGRAM:
            found.append(f"{where}: the {importer_layer} know nothing of Telegram")
            continue
        if not _in_bot(edge.target):
            continue
        target_layer = layer_of(edge.target)
        if target_layer is None:
            found.append(f"{edge.target} is in no layer: place it in docs/ARCHITECTURE.md")
        elif rank[target_layer] < rank[importer_layer]:
            found.append(f"{where}: the {importer_layer} import only what is beneath them")
    return sorted(set(found))


def circles(edges: list[Import]) -> list[list[str]]:
    """The strongly connected components of the graph of bot modules (Tarjan), largest first."""
    graph: dict[str, set[str]] = {}
    for edge in edges:
        if _in_bot(edge.target):
            graph.setdefault(edge.importer, set()).add(edge.target)
            graph.setdefault(edge.target, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(start: str) -> None:
        # Iterative, so a long chain of imports cannot reach Python's recursion limit.
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components, key=len, reverse=True)


def test_every_module_imports_only_its_layer_and_those_beneath() -> None:
    edges = import_graph(PACKAGE)
    # The parser sees the imports (a broken one would find nothing and pass).
    assert Import("bot.app", "bot.runtime.dispatcher", 0) in {
        Import(e.importer, e.target, 0) for e in edges
    }
    assert violations(edges) == []


def test_no_import_circle_has_more_than_two_modules() -> None:
    largest = circles(import_graph(PACKAGE))[0]
    assert len(largest) <= LARGEST_CIRCLE, largest


def _tree(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root / "bot"


def test_the_checks_find_an_import_up_a_layer_and_a_circle(tmp_path: Path) -> None:
    """The checks themselves: an import inside a function counts, and so does a package's."""
    package = _tree(
        tmp_path,
        {
            "bot/__init__.py": "",
            "bot/handlers/__init__.py": "from bot.flows import a\n",
            "bot/handlers/b.py": "",
            "bot/flows/__init__.py": "",
            "bot/flows/a.py": "def f():\n    from bot.messages import c\n",
            "bot/messages/__init__.py": "",
            "bot/messages/c.py": "from bot.handlers import b\n",
            "bot/services/__init__.py": "",
            "bot/services/d.py": "import telegram\nfrom bot.messages.c import x\n",
            "bot/sandbox/__init__.py": "",
            "bot/runtime/__init__.py": "from bot.sandbox import e\n",
            "bot/sandbox/e.py": "from bot.services import d\n",
            "bot/stray.py": "from bot.services import d\n",
        },
    )
    edges = import_graph(package)
    beneath = "import only what is beneath them"
    sandbox = "the sandbox is for the developer tools only"
    assert set(violations(edges)) == {
        f"bot.messages.c (line 1) imports bot.handlers: the messages {beneath}",
        f"bot.messages.c (line 1) imports bot.handlers.b: the messages {beneath}",
        f"bot.runtime (line 1) imports bot.sandbox: {sandbox}",
        f"bot.runtime (line 1) imports bot.sandbox.e: {sandbox}",
        f"bot.sandbox.e (line 1) imports bot.services: {sandbox}",
        f"bot.sandbox.e (line 1) imports bot.services.d: {sandbox}",
        "bot.services.d (line 1) imports telegram: the services know nothing of Telegram",
        f"bot.services.d (line 2) imports bot.messages: the services {beneath}",
        f"bot.services.d (line 2) imports bot.messages.c: the services {beneath}",
        "bot.stray is in no layer: place it in docs/ARCHITECTURE.md",
    }
    assert circles(edges)[0] == ["bot.flows.a", "bot.handlers", "bot.messages.c"]
