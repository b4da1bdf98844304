"""Import rules from docs/architecture.md, checked on the source (an import-linter in miniature)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
ALLOWED_LIBRARIES_IN_DOMAIN = {"snowballstemmer", "openpyxl", "stop_words"}  # stems; XLSX; English function words
FORBIDDEN_IN_DOMAIN = ("botbuilder", "aiohttp", "sqlalchemy", "alembic", "yaml", "msrest", "storage", "dialogs")


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def offenders(folder: Path, forbidden: tuple[str, ...]) -> list[str]:
    found = []
    for path in sorted(folder.rglob("*.py")):
        for module in imported_modules(path):
            if module.split(".")[0] in forbidden or any(module.startswith(f + ".") for f in forbidden):
                found.append(f"{path.relative_to(REPO)} imports {module}")
    return found


def test_domain_imports_only_the_standard_library_and_itself():
    assert offenders(REPO / "bot" / "domain", FORBIDDEN_IN_DOMAIN) == []


def test_the_domain_uses_no_library_but_the_few_named():
    """No framework in the domain; a small library for a solved problem is named here, on purpose."""
    allowed = set(sys.stdlib_module_names) | {"bot", "__future__"} | ALLOWED_LIBRARIES_IN_DOMAIN
    found = sorted(f"{path.relative_to(REPO)} imports {module}" for path in (REPO / "bot" / "domain").rglob("*.py")
                   for module in imported_modules(path) if module.split(".")[0] not in allowed)
    assert found == []


def test_storage_uses_nothing_of_bot_but_the_domain():
    found = [line for line in offenders(REPO / "storage", ("bot", "dialogs"))
             if " imports bot.domain" not in line]
    assert found == []


def test_nothing_runs_at_import_time():
    """Importing the app and CLI must not open databases, sockets or read settings."""
    code = "import bot.bootstrap, bot.cli.main, bot.teams.activity_handler, storage.unit_of_work; print('ok')"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                            env={"PATH": "", "DATABASE_URL": "nonsense://"}, timeout=60)
    assert result.stdout.strip() == "ok", result.stderr


def test_route_command_starts_without_heavy_imports():
    code = ("import sys, bot.cli.main, bot.cli.route; "
            "heavy = [m for m in ('botbuilder.core', 'aiohttp', 'sqlalchemy') if m in sys.modules]; print(heavy)")
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def _package_of(module: str) -> str | None:
    """The package of the layering a module belongs to: bot.domain, bot.texts, dialogs, storage or the bot edge."""
    for package in ("bot.domain", "bot.texts"):
        if module == package or module.startswith(package + "."):
            return package
    top = module.split(".")[0]
    if top == "bot":
        return "bot"  # the edge: handlers, cards, adapter, composition root
    return top if top in ("dialogs", "storage") else None


def _package_imports() -> dict[str, set[str]]:
    """Which layer imports which, from every module of bot, dialogs and storage (at any depth)."""
    graph: dict[str, set[str]] = {}
    for folder in ("bot", "dialogs", "storage"):
        for path in sorted((REPO / folder).rglob("*.py")):
            module = ".".join(path.relative_to(REPO).with_suffix("").parts)
            source = _package_of(module)
            if source is None:
                continue
            for imported in imported_modules(path):
                target = _package_of(imported)
                if target is not None and target != source:
                    graph.setdefault(source, set()).add(target)
    return graph


def test_dialogs_import_only_the_domain_and_the_texts_of_bot():
    """Dialogs get what a feature owns (its cards, its service calls) injected by the composition root."""
    found = [f"{path.relative_to(REPO)} imports {module}" for path in sorted((REPO / "dialogs").rglob("*.py"))
             for module in imported_modules(path)
             if _package_of(module) == "bot"]
    assert found == []


def test_no_cycle_between_domain_dialogs_and_storage():
    graph = _package_imports()
    layers = ("bot.domain", "dialogs", "storage")
    # Any layer reaching back to itself through others (the bot edge included) is a cycle.
    for start in layers:
        seen, frontier = set(), [start]
        while frontier:
            for target in graph.get(frontier.pop(), set()):
                assert not (target == start), f"{start} imports itself back through {sorted(seen)}"
                if target not in seen:
                    seen.add(target)
                    frontier.append(target)


# Layers of bot/, highest first: a module may import its own layer's modules and any lower layer's,
# never a higher one's (docs/architecture.md). The entry points (command line, `serve`) use the
# composition root; it wires the HTTP routes, the features and the channel layer below it.
LAYERS = (("bot.cli", "bot.web.serve", "bot.__main__"), ("bot.bootstrap",), ("bot.web", "bot.components"),
          ("bot.features",), ("bot.teams",), ("dialogs",))


def _layer_of(module: str) -> int | None:
    for index, prefixes in enumerate(LAYERS):
        if any(module == p or module.startswith(p + ".") for p in prefixes):
            return index
    return None


def _source_modules() -> dict[str, Path]:
    found = {}
    for folder in ("bot", "dialogs"):
        for path in (REPO / folder).rglob("*.py"):
            parts = path.relative_to(REPO).with_suffix("").parts
            found[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = path
    return found


def test_arrows_point_down_cli_and_web_then_bootstrap_then_features_then_teams():
    upward = []
    for module, path in _source_modules().items():
        mine = _layer_of(module)
        if mine is None:
            continue
        for imported in imported_modules(path):
            theirs = _layer_of(imported)
            if theirs is not None and theirs < mine:
                upward.append(f"{module} imports {imported}")
    assert upward == []


def test_features_do_not_import_each_other():
    crossing = []
    for module, path in _source_modules().items():
        if not module.startswith("bot.features."):
            continue
        own = module.split(".")[2]
        for imported in imported_modules(path):
            if imported.startswith("bot.features.") and imported.split(".")[2] != own:
                crossing.append(f"{module} imports {imported}")
    assert crossing == []


def test_at_most_twelve_modules_at_the_top_of_bot():
    assert len(list((REPO / "bot").glob("*.py"))) <= 12
