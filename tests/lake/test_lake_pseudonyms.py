"""Customer pseudonyms (keyed, per merchant), the platform key refused at its default in production,
and the item-line format shared by payment metadata and imports."""

from __future__ import annotations

import hashlib
import hmac

import pytest
from pydantic import ValidationError

from digiplus.lake.items import ItemsInvalid, parse_items
from digiplus.lake.pseudonyms import customer_ref, holder_ref, payer_identity, pos_identity
from digiplus.settings import Settings, get_settings


@pytest.fixture
def key(monkeypatch: pytest.MonkeyPatch) -> str:
    secret = "k" * 40
    monkeypatch.setenv("DIGIPLUS_CUSTOMER_REF_KEY", secret)
    get_settings.cache_clear()
    yield secret  # type: ignore[misc]
    get_settings.cache_clear()


def test_a_reference_is_the_documented_hmac_and_differs_per_merchant(key: str) -> None:
    expected = hmac.new(key.encode(), b"org_A\x1forg:org_P", hashlib.sha256).hexdigest()[:32]
    assert customer_ref("org_A", payer_identity("org_P")) == "cr_" + expected
    assert customer_ref("org_A", "org:org_P") != customer_ref("org_B", "org:org_P")
    assert customer_ref("org_A", pos_identity(" M-1 ")) == customer_ref("org_A", "pos:M-1")
    assert customer_ref("org_A", "pos:org_P") != customer_ref("org_A", "org:org_P")  # namespaces never meet
    assert holder_ref("org_P") == customer_ref("platform", "org:org_P")


def test_production_refuses_a_default_or_short_key() -> None:
    strong = "s" * 40
    with pytest.raises(ValidationError, match="DIGIPLUS_SECRET_KEY"):  # the derived key's root: never the default
        Settings(env="production", customer_ref_key=strong)
    with pytest.raises(ValidationError, match="DIGIPLUS_CUSTOMER_REF_KEY"):
        Settings(env="production", secret_key=strong, customer_ref_key="short")
    assert Settings(env="production", secret_key=strong, customer_ref_key=strong).customer_ref_key == strong
    assert Settings(env="production", secret_key=strong).customer_ref_key == ""  # derived from the secret key


def test_without_its_own_key_the_reference_key_is_derived_from_the_secret_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DIGIPLUS_SECRET_KEY", "t" * 40)
    monkeypatch.delenv("DIGIPLUS_CUSTOMER_REF_KEY", raising=False)
    get_settings.cache_clear()
    try:
        derived = hmac.new(b"t" * 40, b"digiplus.lake.customer_ref.v1", hashlib.sha256).digest()
        expected = hmac.new(derived, b"org_A\x1forg:org_P", hashlib.sha256).hexdigest()[:32]
        assert customer_ref("org_A", "org:org_P") == "cr_" + expected
    finally:
        get_settings.cache_clear()


def test_item_lines() -> None:
    assert parse_items("A-1:2:60:蚵仔煎: large ; TEA:1:30", "TWD") == [
        {"sku": "A-1", "name": "蚵仔煎: large", "quantity": 2, "unit_amount": 6000},
        {"sku": "TEA", "name": None, "quantity": 1, "unit_amount": 3000},
    ]
    assert parse_items("R:1:500", "JPY") == [{"sku": "R", "name": None, "quantity": 1, "unit_amount": 500}]
    for text, message in [
        ("A:1", "is not sku:quantity:unit_amount"),
        ("A:0:5", "quantity '0' is not a whole number"),
        ("A:1:1.5", "unit amount 1.5 has more decimals than JPY allows (0)"),
        ("A:1:-5", "negative"),
        (":1:5", "the sku is empty"),
    ]:
        with pytest.raises(ItemsInvalid, match=message.replace("(", r"\(").replace(")", r"\)")):
            parse_items(text, "JPY")
