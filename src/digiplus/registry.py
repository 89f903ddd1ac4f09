"""The one list of modules: app, CLI, migrations and the demo all read it.

Each entry may have ``models`` (tables), ``api.router`` (HTTP API),
``pages.router`` (web pages) and ``cli.app`` (a Typer sub-app). A new module is
wired in everywhere by adding its package here.
"""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

MODULES = (
    "digiplus.identity",
    "digiplus.core.events",
    "digiplus.core.webhooks",
    "digiplus.core.audit",
    "digiplus.ledger",
    "digiplus.payments",
    "digiplus.terminals",
    "digiplus.lake",
    "digiplus.sandbox",
    "digiplus.data",
    "digiplus.commerce",
    "digiplus.loyalty",
    "digiplus.insight",
    "digiplus.web",
    "digiplus.demo",
)


def parts(part: str) -> list[ModuleType]:
    """The ``part`` submodule (``models``, ``api``, ``pages``, ``cli``) of every module that has one."""
    found = []
    for module in MODULES:
        name = f"{module}.{part}"
        if importlib.util.find_spec(module) is not None and importlib.util.find_spec(name) is not None:
            found.append(importlib.import_module(name))
    return found


def load_modules() -> None:
    """Import every module's package, so that the worker tasks they register (``@task``) exist."""
    for module in MODULES:
        importlib.import_module(module)


def load_models() -> None:
    """Import every table so that ``Base.metadata`` is complete."""
    importlib.import_module("digiplus.core.api.idempotency")
    parts("models")
