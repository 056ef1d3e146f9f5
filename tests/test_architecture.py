"""The layers of DESIGN.md ("Layout", "Layers") and STYLE.md ("Shape"), kept by reading the code.

Every module under eventhub/ is parsed with `ast`; every import counts (module level, inside
functions, under ``if TYPE_CHECKING:``; ``from x import y``, ``import x.y``, relative imports
resolved). The rules:

- base modules (database, extensions, errors, audit, mail, live, webforms, formatting, pdf,
  sheets, text, ids, ...) know no domain: they import base modules only;
- domains import base modules, `eventhub.permissions`, and the domains below them:
  accounts <- orgs <- events <- registrations <- checkin; events <- mentors;
  events, mentors <- judging; registrations, checkin, judging <- engagement;
  every domain <- reports;
- `eventhub.permissions` knows accounts, orgs and events only (a domain's own predicates live in
  the domain, e.g. judging/permissions.py);
- only the factory (eventhub/__init__.py), cli, demo and models.py import api or "everything"
  (the factory, models.py, cli, demo); api imports domains, nothing but those imports api;
- no module uses another module's ``_private`` names (``from m import _x`` or ``m._x`` on an
  imported eventhub module): what others need is public and documented.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "eventhub"

#: Modules (or packages) that know no domain.
BASE = frozenset({
    "audit", "calendars", "database", "downloads", "errors", "extensions", "formatting", "ids",
    "links", "live", "mail", "markdown", "observability", "pdf", "periods", "sheets", "text",
    "uploads", "vendor", "webforms",
})

#: Each domain and the domains it may import directly (DESIGN.md, Layers); the closure is taken.
DOMAIN_DEPENDS = {
    "accounts": set(),
    "orgs": {"accounts"},
    "events": {"orgs"},
    "registrations": {"events"},
    "checkin": {"registrations"},
    "mentors": {"events"},
    "judging": {"events", "mentors"},
    "engagement": {"registrations", "checkin", "judging"},
    "reports": {"accounts", "orgs", "events", "registrations", "checkin", "mentors", "judging",
                "engagement"},
}

#: What eventhub/permissions.py may know of the domains.
PERMISSIONS_KNOWS = frozenset({"accounts", "orgs", "events"})

#: Modules that may import anything: the factory, the CLI, the demo data, the model registry.
TOP = frozenset({"eventhub", "eventhub.cli", "eventhub.demo", "eventhub.models"})

#: Entry points outside the factory that build the whole app, each with why.
ENTRY_POINTS = {
    # The RQ job runs in a worker process, which has no app until the job builds one.
    ("eventhub.mail.tasks", "eventhub"),
}

def _closure(depends: dict[str, set[str]]) -> dict[str, frozenset[str]]:
    closed: dict[str, frozenset[str]] = {}

    def reach(domain: str, seen: frozenset[str] = frozenset()) -> frozenset[str]:
        if domain in closed:
            return closed[domain]
        found = set(depends[domain])
        for lower in depends[domain] - seen:
            found |= reach(lower, seen | {domain})
        closed[domain] = frozenset(found)
        return closed[domain]

    for domain in depends:
        reach(domain)
    return closed


DOMAIN_MAY_IMPORT = _closure(DOMAIN_DEPENDS)


@dataclass(frozen=True)
class Violation:
    path: str
    line: int
    rule: str
    name: str
    detail: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: [{self.rule}] {self.detail}"


# Reading the code -------------------------------------------------------------------------


def module_name(path: Path, root: Path = ROOT) -> str:
    """eventhub/judging/views.py -> eventhub.judging.views; a package's __init__.py -> its name."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def layer_of(module: str) -> tuple[str, str]:
    """(kind, name) of a module of eventhub: ("top", m), ("api", "api"),
    ("permissions", "permissions"), ("domain", d), ("base", b) or ("unknown", first part)."""
    if module in TOP:
        return ("top", module)
    first = module.split(".")[1]
    if first == "api":
        return ("api", "api")
    if first == "permissions":
        return ("permissions", "permissions")
    if first in DOMAIN_DEPENDS:
        return ("domain", first)
    if first in BASE:
        return ("base", first)
    return ("unknown", first)


@dataclass(frozen=True)
class Import:
    line: int
    module: str  # the eventhub module imported (a submodule when ``from pkg import submodule``)
    name: str | None  # the name taken from it by ``from module import name``, else None


def _resolve_from(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    package = module.split(".") if is_package else module.split(".")[:-1]
    base = package[: len(package) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def read_imports(
    tree: ast.AST, module: str, is_package: bool, modules: frozenset[str]
) -> tuple[list[Import], dict[str, str]]:
    """Every import of an eventhub module anywhere in ``tree``, and the local names bound to
    eventhub modules (for ``m._x``). ``modules``: every module name of the package."""
    imports: list[Import] = []
    bound: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] != "eventhub":
                    continue
                imports.append(Import(node.lineno, alias.name, None))
                if alias.asname:
                    bound[alias.asname] = alias.name
                else:
                    bound["eventhub"] = "eventhub"
        elif isinstance(node, ast.ImportFrom):
            source = _resolve_from(node, module, is_package)
            if source.split(".")[0] != "eventhub":
                continue
            for alias in node.names:
                submodule = f"{source}.{alias.name}"
                if submodule in modules:
                    imports.append(Import(node.lineno, submodule, None))
                    bound[alias.asname or alias.name] = submodule
                else:
                    imports.append(Import(node.lineno, source, alias.name))
    return imports, bound


def _is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def _package_of(module: str) -> str:
    return module.rpartition(".")[0]


def _attribute_module(node: ast.expr, bound: dict[str, str], modules: frozenset[str]) -> str | None:
    """The eventhub module an expression names (``services``, ``eventhub.judging.services``)."""
    if isinstance(node, ast.Name):
        return bound.get(node.id)
    if isinstance(node, ast.Attribute):
        owner = _attribute_module(node.value, bound, modules)
        if owner and f"{owner}.{node.attr}" in modules:
            return f"{owner}.{node.attr}"
    return None


def layer_rule(importer: str, imported: str) -> str | None:
    """Why ``importer`` may not import ``imported`` (a rule's name and reason), or None."""
    if imported == importer:
        return None
    kind_from, name_from = layer_of(importer)
    kind_to, name_to = layer_of(imported)
    if kind_from == "top" or (importer, imported) in ENTRY_POINTS:
        return None
    if kind_to == "unknown" or kind_from == "unknown":
        unknown = name_to if kind_to == "unknown" else name_from
        return (f"unclassified: eventhub.{unknown} is neither a base module nor a domain; add "
                "it to BASE or DOMAIN_DEPENDS in tests/test_architecture.py")
    if kind_to == "top":
        return (f"top: only the factory, cli, demo and models.py import {imported} "
                "(it imports everything)")
    if kind_to == "api" and kind_from != "api":
        return "api: nothing but the factory, cli, demo and models.py imports the api"
    if kind_from == "base" and kind_to != "base":
        return f"base: base module eventhub.{name_from} knows no domain (imports {imported})"
    if kind_from == "permissions" and kind_to == "domain" and name_to not in PERMISSIONS_KNOWS:
        return (f"permissions: eventhub.permissions knows accounts, orgs and events only; "
                f"{name_to}'s predicates live in eventhub/{name_to}/permissions.py")
    if kind_from == "domain" and kind_to == "domain" and name_to != name_from \
            and name_to not in DOMAIN_MAY_IMPORT[name_from]:
        allowed = ", ".join(sorted(DOMAIN_MAY_IMPORT[name_from])) or "no other domain"
        return (f"upward: domain {name_from} may import {allowed}, not {name_to} "
                f"(imports {imported})")
    return None


def check_source(
    source: str, path: str, module: str, is_package: bool, modules: frozenset[str]
) -> list[Violation]:
    """The violations of one module's source (``path`` is only used in the messages)."""
    tree = ast.parse(source, filename=path)
    imports, bound = read_imports(tree, module, is_package, modules)
    found: list[Violation] = []
    for item in imports:
        reason = layer_rule(module, item.module)
        if reason:
            rule = reason.split(":", 1)[0]
            found.append(Violation(path, item.line, rule, item.module, reason))
        if item.name and _is_private(item.name) and item.module != module:
            found.append(Violation(
                path, item.line, "private", f"{item.module}.{item.name}",
                f"private: imports {item.name} from {item.module}; make it public "
                "(documented) or move it",
            ))
        if item.name is None and _is_private(item.module.rpartition(".")[2]) \
                and not module.startswith(_package_of(item.module) + "."):
            found.append(Violation(
                path, item.line, "private", item.module,
                f"private: imports the private module {item.module} from outside its package",
            ))
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and _is_private(node.attr):
            owner = _attribute_module(node.value, bound, modules)
            if owner and owner != module and f"{owner}.{node.attr}" not in modules:
                found.append(Violation(
                    path, node.lineno, "private", f"{owner}.{node.attr}",
                    f"private: uses {owner}.{node.attr}; make it public (documented) or move it",
                ))
    return sorted(found, key=lambda v: (v.path, v.line, v.rule, v.name))


def package_modules(package: Path = PACKAGE, root: Path = ROOT) -> dict[str, Path]:
    return {module_name(path, root): path for path in sorted(package.rglob("*.py"))}


def check_package(package: Path = PACKAGE, root: Path = ROOT) -> list[Violation]:
    files = package_modules(package, root)
    modules = frozenset(files)
    found: list[Violation] = []
    for module, path in files.items():
        found += check_source(
            path.read_text(encoding="utf-8"), str(path.relative_to(root)), module,
            path.name == "__init__.py", modules,
        )
    return found


# The tests --------------------------------------------------------------------------------


def test_the_code_keeps_the_layers():
    found = check_package()
    assert not found, "\n".join(
        ["Imports or names that break the layering (DESIGN.md, Layers):"]
        + [f"  {v}" for v in found]
    )


MODULES = frozenset({
    "eventhub", "eventhub.api", "eventhub.api.judging", "eventhub.errors", "eventhub.permissions",
    "eventhub.events", "eventhub.events.models", "eventhub.events.services",
    "eventhub.events.views", "eventhub.judging", "eventhub.judging.services",
    "eventhub.judging.permissions", "eventhub.registrations", "eventhub.registrations.services",
    "eventhub.checkin", "eventhub.checkin.views", "eventhub.webforms", "eventhub.accounts",
    "eventhub.accounts.models", "eventhub.orgs", "eventhub.orgs.models", "eventhub.models",
    "eventhub.gadgets",
})


def check(source: str, module: str, is_package: bool = False) -> list[Violation]:
    path = module.replace(".", "/") + ("/__init__.py" if is_package else ".py")
    return check_source(source, path, module, is_package, MODULES)


@pytest.mark.parametrize("source", [
    "from eventhub.judging import services\n",
    "from eventhub.judging.services import round_results\n",
    "import eventhub.judging.services\n",
    "def f():\n    from eventhub.judging.services import round_results\n",
    "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from eventhub.judging import x\n",
    "from ..judging import services\n",
])
def test_an_upward_import_is_reported_wherever_it_is_written(source):
    """The checker cannot pass silently: events importing judging, in any spelling."""
    found = check(source, "eventhub.events.services")
    assert [(v.rule, v.path) for v in found] == [("upward", "eventhub/events/services.py")]
    assert "domain events may import accounts, orgs, not judging" in str(found[0])
    assert str(found[0]).startswith("eventhub/events/services.py:")


@pytest.mark.parametrize(("module", "source", "rule"), [
    ("eventhub.webforms", "from eventhub.events.models import Event\n", "base"),
    ("eventhub.webforms", "from eventhub import permissions\n", "base"),
    ("eventhub.permissions", "def f():\n    from eventhub.judging.services import x\n",
     "permissions"),
    ("eventhub.checkin.views", "from eventhub.api import judging\n", "api"),
    ("eventhub.registrations.services", "from eventhub import models\n", "top"),
    ("eventhub.registrations.services", "from eventhub.gadgets import x\n", "unclassified"),
    ("eventhub.registrations.services", "from eventhub import create_app\n", "top"),
    ("eventhub.events.services", "from .services import _helper\n", None),
    ("eventhub.events.views", "from .services import _helper\n", "private"),
    ("eventhub.judging.services", "from eventhub.events.services import _require\n", "private"),
    ("eventhub.judging.services",
     "from eventhub.events import services\nservices._require(1)\n", "private"),
    ("eventhub.judging.services",
     "import eventhub.events.services\neventhub.events.services._require(1)\n", "private"),
])
def test_each_rule_is_reported(module, source, rule):
    found = check(source, module)
    assert [v.rule for v in found] == ([rule] if rule else []), [str(v) for v in found]


def test_allowed_imports_pass():
    assert check("from eventhub.events.models import Event\nfrom eventhub import permissions\n"
                 "from eventhub.errors import NotAllowed\n", "eventhub.judging.services") == []
    assert check("from eventhub.orgs.models import Role\n", "eventhub.permissions") == []
    assert check("from eventhub.api import judging\nfrom eventhub.judging import services\n",
                 "eventhub") == []
    assert check("from . import services\nservices.__name__\nobject()._x\n",
                 "eventhub.judging.views") == []


def test_the_domain_order_is_a_closure():
    assert DOMAIN_MAY_IMPORT["checkin"] == {"registrations", "events", "orgs", "accounts"}
    assert "registrations" not in DOMAIN_MAY_IMPORT["judging"]
    assert "judging" not in DOMAIN_MAY_IMPORT["events"]
