"""Fixtures of the terminals tests: a merchant with a profile and a paired terminal, and a payer."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from argon2 import PasswordHasher
from fastapi.testclient import TestClient
from terminal_helpers import TerminalClient, funded_wallet, merchant, pair_terminal

from digiplus.terminals.service import supervisors


@dataclass
class Shop:
    org: str
    api: Any
    profile: dict[str, Any]


@dataclass
class Payer:
    org: str
    api: Any
    wallet: dict[str, Any]


@pytest.fixture(autouse=True)
def _cheap_pins(monkeypatch: pytest.MonkeyPatch) -> None:
    """argon2id with test-sized costs (the hash is still argon2id; production keeps the defaults)."""
    monkeypatch.setattr(supervisors, "_hasher", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))


@pytest.fixture
def shop(api_for: Callable[..., Any], make_org: Callable[..., str]) -> Shop:
    org = make_org("阿明蚵仔煎 A-Ming's Oysters", kind="merchant")
    api = api_for(org)
    return Shop(org, api, merchant(api))


@pytest.fixture
def terminal(client: TestClient, shop: Shop) -> TerminalClient:
    device, _ = pair_terminal(client, shop.api)
    return device


@pytest.fixture
def payer(api_for: Callable[..., Any], make_org: Callable[..., str]) -> Payer:
    org = make_org("林美 Lin Mei", kind="consumer")
    api = api_for(org)
    return Payer(org, api, funded_wallet(api, 5_000_00))
