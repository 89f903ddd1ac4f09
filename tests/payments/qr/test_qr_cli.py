"""``digiplus qr decode`` and ``digiplus qr encode``: JSON fields, exit codes, files written."""

from __future__ import annotations

import json
from pathlib import Path

from qr_vectors import EMVCO_SPEC, PROMPTPAY
from typer.testing import CliRunner

from digiplus.cli import app

runner = CliRunner()
FIELDS = {
    "format",
    "valid",
    "errors",
    "scheme",
    "point_of_initiation",
    "merchant_name",
    "merchant_city",
    "country",
    "currency",
    "amount",
    "mcc",
    "crc",
    "tags",
}


def test_decode_json_of_a_valid_code() -> None:
    result = runner.invoke(app, ["qr", "decode", EMVCO_SPEC, "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert set(shown) >= FIELDS
    assert {key: shown[key] for key in FIELDS - {"tags"}} == {
        "format": "emvco",
        "valid": True,
        "errors": [],
        "scheme": None,
        "point_of_initiation": "dynamic",
        "merchant_name": "BEST TRANSPORT",
        "merchant_city": "BEIJING",
        "country": "CN",
        "currency": "CNY",
        "amount": "23.72",
        "mcc": "4111",
        "crc": "A13A",
    }
    assert shown["tags"]["64"] == {"00": "ZH", "01": "最佳运输", "02": "北京"}


def test_decode_absent_fields_are_null() -> None:
    result = runner.invoke(app, ["qr", "decode", PROMPTPAY, "--json"])
    assert result.exit_code == 0
    shown = json.loads(result.output)
    assert (shown["merchant_name"], shown["merchant_city"], shown["mcc"], shown["amount"]) == (None, None, None, None)
    assert shown["scheme"] == "promptpay"


def test_decode_invalid_exits_1_with_reasons() -> None:
    result = runner.invoke(app, ["qr", "decode", PROMPTPAY[:-1] + "8", "--json"])
    assert result.exit_code == 1
    shown = json.loads(result.output)
    assert shown["valid"] is False
    assert shown["errors"] == ["tag 63: CRC mismatch: the payload says 6198, its content gives 6197"]
    garbage = runner.invoke(app, ["qr", "decode", "not a code", "--json"])
    assert garbage.exit_code == 1 and json.loads(garbage.output)["format"] is None


def test_decode_text_output() -> None:
    result = runner.invoke(app, ["qr", "decode", PROMPTPAY])
    assert result.exit_code == 0
    assert "scheme                promptpay" in result.output
    assert "merchant_name         null" in result.output
    assert "valid                 true" in result.output
    assert "  01 0066801234567" in result.output


def test_encode_emvco_with_files(tmp_path: Path) -> None:
    png, svg = tmp_path / "code.png", tmp_path / "code.svg"
    result = runner.invoke(
        app,
        [
            "qr", "encode", "--merchant-id", "org_01JQ8ZK3V6W2Y4N5P7R9T1X3B5", "--name", "Ah Ming", "--city", "Taipei",
            "--mcc", "5812", "--amount", "23.72", "--reference", "INV-7", "--png", str(png), "--svg", str(svg),
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = result.output.strip()
    decoded = json.loads(runner.invoke(app, ["qr", "decode", payload, "--json"]).output)
    assert (decoded["amount"], decoded["currency"], decoded["reference"]) == ("23.72", "TWD", "INV-7")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert svg.read_text().startswith("<svg")


def test_encode_twqr_and_refusals() -> None:
    result = runner.invoke(
        app,
        [
            "qr",
            "encode",
            "--format",
            "twqr",
            "--name",
            "個人轉帳",
            "--bank-code",
            "004",
            "--account",
            "123",
            "--amount",
            "100",
        ],
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "TWQRP://個人轉帳/158/02/V1?D1=10000&D5=004&D6=0000000000000123&D10=901"
    too_precise = runner.invoke(
        app, ["qr", "encode", "--merchant-id", "o", "--name", "A", "--city", "B", "--mcc", "5812", "--amount", "1.234"]
    )
    assert too_precise.exit_code == 1
    assert "1.234 has more decimals than TWD allows (2)" in too_precise.output
    missing = runner.invoke(app, ["qr", "encode", "--name", "A"])
    assert missing.exit_code == 1 and "--format emvco needs --merchant-id, --city, --mcc" in missing.output
