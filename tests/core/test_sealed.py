"""Sealed secrets: encrypted at rest, bound to their purpose, still open after a key rotation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from digiplus.core.sealed import CannotUnseal, reseal, seal, unseal
from digiplus.core.webhooks.models import WebhookEndpoint
from digiplus.settings import get_settings


@pytest.fixture
def secret_key(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    monkeypatch.setenv("DIGIPLUS_SECRET_KEY", "k1" * 20)
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_a_sealed_value_opens_only_for_its_purpose(secret_key: pytest.MonkeyPatch) -> None:
    sealed = seal("whsec_abc", "webhook_secret")
    assert sealed.startswith("sealed:v1:")
    assert "whsec_abc" not in sealed
    assert seal("whsec_abc", "webhook_secret") != sealed  # a fresh IV every time
    assert unseal(sealed, "webhook_secret") == "whsec_abc"
    with pytest.raises(CannotUnseal, match="bank_credentials"):
        unseal(sealed, "bank_credentials")
    with pytest.raises(CannotUnseal, match="not a sealed value"):
        unseal("whsec_abc", "webhook_secret")


def test_rotation_keeps_old_values_readable_and_reseal_moves_them(secret_key: pytest.MonkeyPatch) -> None:
    old = seal("whsec_abc", "webhook_secret")
    secret_key.setenv("DIGIPLUS_SECRET_KEY", "k2" * 20)
    get_settings.cache_clear()
    with pytest.raises(CannotUnseal):
        unseal(old, "webhook_secret")
    secret_key.setenv("DIGIPLUS_SECRET_KEY_FALLBACKS", '["' + "k1" * 20 + '"]')
    get_settings.cache_clear()
    assert unseal(old, "webhook_secret") == "whsec_abc"
    moved = reseal(old, "webhook_secret")
    secret_key.delenv("DIGIPLUS_SECRET_KEY_FALLBACKS")
    get_settings.cache_clear()
    assert unseal(moved, "webhook_secret") == "whsec_abc"


def test_webhook_secrets_are_stored_sealed(api: Any, db: Any) -> None:
    created = api.post("/v1/webhook_endpoints", json={"url": "http://127.0.0.1:9/hook", "enabled_events": ["*"]})
    assert created.status_code == 200
    shown = created.json()["secret"]
    with db.session() as session:
        stored = session.scalars(select(WebhookEndpoint.secret)).one()
    assert shown.startswith("whsec_")
    assert shown not in stored
    assert unseal(stored, "webhook_secret") == shown
