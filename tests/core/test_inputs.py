from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import BaseModel, Field, ValidationError

from digiplus.core.api.inputs import StrictInput


class Inner(BaseModel):
    name: str


class Body(StrictInput):
    title: str = ""
    keywords: list[str] = Field(default_factory=list)
    metadata: dict[str, str] = Field(default_factory=dict)
    contact: Inner | None = None


@pytest.mark.parametrize(
    "body",
    [
        {"title": "a\x00b"},
        {"keywords": ["ok", "b\x00"]},
        {"metadata": {"k\x00": "v"}},
        {"metadata": {"k": "\x00"}},
        {"contact": {"name": "x\x00"}},
    ],
)
def test_nul_characters_are_refused_wherever_they_hide(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError, match="must not contain NUL characters"):
        Body.model_validate(body)


def test_unknown_fields_are_refused_and_clean_input_passes() -> None:
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        Body.model_validate({"nope": 1})
    assert Body.model_validate({"title": "停車場", "keywords": ["a"], "contact": {"name": "Lin"}}).title == "停車場"


def test_nul_in_a_query_parameter_is_refused_naming_it(client: TestClient) -> None:
    response = client.get("/v1/catalog/search?q=ok&publisher=a%00b")
    assert response.status_code == 422
    assert response.json()["error"] == {
        "type": "invalid_request_error",
        "code": "parameter_invalid",
        "message": "must not contain NUL characters",
        "param": "publisher",
    }
    assert client.get("/data?q=%00").status_code == 422
