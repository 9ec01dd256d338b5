"""The libraries through their public API only: no private name of aiogram, SQLAlchemy,
aiosqlite, asyncpg or redis-py is used, and none of them is patched, anywhere in our code (the
tests and the bench included), so that a library upgrade stays a version bump.

Found by walking the source (ast):
- a name starting with ``_`` imported from a library (``from redis.x import _y``, ``import
  aiosqlite._z``);
- an attribute ``obj._name`` read or written where ``_name`` is not one of ours (defined nowhere
  in our code: it can only be a library's);
- a private method of a library's class overridden in a subclass of ours;
- an attribute of a library's module or class assigned, deleted or patched (``aiosqlite.
  Connection.commit = ...``, ``setattr(Redis, ...)``, ``patch.object(Dispatcher, ...)``,
  ``monkeypatch.setattr(asyncpg.Connection, ...)``).
"""

from __future__ import annotations

import ast
import importlib
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OURS = ("bot", "handlers", "storage", "bench", "tools", "tests")
LIBRARIES = ("aiogram", "sqlalchemy", "aiosqlite", "asyncpg", "redis", "hiredis")
PATCHERS = {"setattr", "delattr", "object", "patch"}  # setattr(), patch.object(), mock.patch()


def sources() -> Iterator[tuple[Path, ast.Module]]:
    for folder in OURS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield path, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def is_library(module: str | None) -> bool:
    return bool(module) and module.split(".")[0] in LIBRARIES  # type: ignore[union-attr]


def our_private_names() -> set[str]:
    """Every private name our code defines: functions, classes, attributes, keywords."""
    names: set[str] = set()
    for _, tree in sources():
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                names.add(node.name)
            elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                names.add(node.name)
                names.update(a.arg for a in node.args.args + node.args.kwonlyargs)
            elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                names.add(node.id)
            elif isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Store) and \
                    isinstance(node.value, ast.Name) and node.value.id in ("self", "cls"):
                names.add(node.attr)
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                names.add(node.target.id)
            elif isinstance(node, ast.alias) and node.asname:
                names.add(node.asname)
    return {name for name in names if is_private(name)}


def library_imports(tree: ast.Module) -> dict[str, str]:
    """The names a module binds to a library's modules, classes and functions, and what each
    is (``"aiogram.webhook.aiohttp_server:SimpleRequestHandler"``, ``"aiosqlite"``)."""
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            bound.update(((a.asname or a.name).split(".")[0], a.name) for a in node.names
                         if is_library(a.name))
        elif isinstance(node, ast.ImportFrom) and is_library(node.module):
            bound.update((a.asname or a.name, f"{node.module}:{a.name}") for a in node.names)
    return bound


def library_bindings(tree: ast.Module) -> set[str]:
    return set(library_imports(tree))


def overridden(tree: ast.Module) -> Iterator[tuple[int, str, str]]:
    """Private names our subclasses of a library's classes define that the library's class
    has too: overriding them is reaching into it."""
    imports = library_imports(tree)
    for node in ast.walk(tree):
        if not isinstance(node, ast.ClassDef):
            continue
        for base in node.bases:
            if not isinstance(base, ast.Name) or ":" not in imports.get(base.id, ""):
                continue
            module, name = imports[base.id].split(":")
            cls = getattr(importlib.import_module(module), name)
            for item in node.body:
                defined = getattr(item, "name", None) or next(
                    (t.id for t in getattr(item, "targets", []) if isinstance(t, ast.Name)), None)
                if defined and is_private(defined) and hasattr(cls, defined):
                    yield item.lineno, defined, base.id


def root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def violations() -> Iterator[str]:
    ours = our_private_names()
    for path, tree in sources():
        where = path.relative_to(ROOT)
        libs = library_bindings(tree)
        for lineno, name, base in overridden(tree):
            yield f"{where}:{lineno}: overrides {base}.{name}"
        for node in ast.walk(tree):
            line = f"{where}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.ImportFrom) and is_library(node.module):
                yield from (f"{line}: imports {node.module}.{a.name}" for a in node.names
                            if is_private(a.name) or any(map(is_private,
                                                              (node.module or "").split("."))))
            elif isinstance(node, ast.Import):
                yield from (f"{line}: imports {a.name}" for a in node.names
                            if is_library(a.name) and any(map(is_private, a.name.split("."))))
            elif isinstance(node, ast.Attribute) and is_private(node.attr) \
                    and node.attr not in ours:
                yield f"{line}: uses a library's private {node.attr}"
            elif isinstance(node, ast.Assign | ast.AugAssign | ast.Delete):
                targets = node.targets if isinstance(node, ast.Assign | ast.Delete) else \
                    [node.target]
                for target in targets:
                    if isinstance(target, ast.Attribute) and root_name(target) in libs:
                        yield f"{line}: patches {ast.unparse(target)}"
            elif isinstance(node, ast.Call) and node.args:
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                first = node.args[0]
                if name in PATCHERS and root_name(first) in libs:
                    yield f"{line}: patches {ast.unparse(first)} with {ast.unparse(func)}"
                if name in PATCHERS and isinstance(first, ast.Constant) and \
                        isinstance(first.value, str) and is_library(first.value):
                    yield f"{line}: patches {first.value}"


def test_no_library_private_name_is_used_and_no_library_is_patched() -> None:
    found = sorted(set(violations()))
    assert found == [], "\n".join(found)


def test_the_guard_catches_what_it_is_for(tmp_path: Path) -> None:
    """The walk finds each kind of use it forbids (written the way the old code did)."""
    tree = ast.parse(
        "import aiosqlite\n"
        "from redis.asyncio.connection import _Thing\n"
        "aiosqlite.Connection.commit = None\n"
        "def f(raw, observer):\n"
        "    raw._execute(1)\n"
        "    return observer._handler\n"
    )
    libs = library_bindings(tree)
    assert "aiosqlite" in libs and "_Thing" in libs
    attrs = {n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute) and is_private(n.attr)}
    assert attrs == {"_execute", "_handler"} and not attrs & our_private_names()
    subclass = ast.parse(
        "from aiogram.webhook.aiohttp_server import SimpleRequestHandler\n"
        "class Strict(SimpleRequestHandler):\n"
        "    async def _handle_request(self, bot, request): ...\n"
    )
    assert list(overridden(subclass)) == [(3, "_handle_request", "SimpleRequestHandler")]
