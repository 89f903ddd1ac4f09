"""QR codec throughput: decodes and encodes per second, beside baselines measured in the same run.

Decode workload: the 15 published EMVCo vectors of tests/payments/qr/qr_vectors.py, in turn.

* ``digiplus decode``: ``digiplus.payments.qr.decode`` — TLV split, templates, every rule, CRC,
  scheme recognition, the ``DecodedQR`` object;
* floor, ``bare TLV split``: one loop cutting the top level into a dict, no checks at all;
* ``qriskit parse+validate``: a published PyPI parser (QRIS-focused EMVCo, pure Python, a dev
  dependency) parsing and validating the same payloads.

Encode workload: a dynamic merchant code with amount and reference.

* ``digiplus merchant_qr``: our encoder (input checks, our template, CRC);
* floor, ``bare concat+CRC``: f-strings of the same tags plus our CRC function;
* ``qriskit build``: the published library building a comparable code.

Each figure is the median of RUNS runs of N operations. Prints a table, writes var/bench/qr.json.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests" / "payments" / "qr"))

from qr_vectors import VALID

from digiplus.payments.qr import decode, emvco_crc, merchant_qr

N = int(os.environ.get("BENCH_QR_N", "3000"))
RUNS = int(os.environ.get("BENCH_QR_RUNS", "5"))
OUT = Path("var/bench/qr.json")
PAYLOADS = [payload for payload, _ in VALID]


def bare_split(payload: str) -> dict[str, str]:
    out: dict[str, str] = {}
    i = 0
    while i + 4 <= len(payload):
        size = int(payload[i + 2 : i + 4])
        out[payload[i : i + 2]] = payload[i + 4 : i + 4 + size]
        i += 4 + size
    return out


def bare_encode(amount: str, reference: str) -> str:
    def el(tag: str, value: str) -> str:
        return f"{tag}{len(value):02d}{value}"

    body = (
        el("00", "01")
        + el("01", "12")
        + el("26", el("00", "ORG.DIGIPLUS") + el("01", "org_01JQ8ZK3V6W2Y4N5P7R9T1X3B5"))
        + el("52", "5812")
        + el("53", "901")
        + el("54", amount)
        + el("58", "TW")
        + el("59", "Ah Ming Noodles")
        + el("60", "Taipei")
        + el("62", el("05", reference))
        + "6304"
    )
    return body + emvco_crc(body)


def ops_per_second(work: Callable[[int], object]) -> dict[str, float]:
    rates = []
    for _ in range(RUNS):
        start = time.perf_counter()
        for i in range(N):
            work(i)
        rates.append(N / (time.perf_counter() - start))
    return {"median": statistics.median(rates), "min": min(rates), "max": max(rates)}


def _qriskit() -> tuple[Callable[[int], object], Callable[[int], object]] | None:
    try:
        import qriskit
    except ImportError:
        return None

    def parse(i: int) -> object:
        code = qriskit.parse(PAYLOADS[i % len(PAYLOADS)])
        return qriskit.validate(code)

    def build(i: int) -> object:
        # qriskit only builds QRIS, so its code is QRIS-shaped (an issuer template and the national 51).
        accounts = [
            qriskit.MerchantAccount(
                "26",
                (
                    qriskit.Node("00", "ID.CO.EXAMPLE.WWW"),
                    qriskit.Node("01", "936000000000000001"),
                    qriskit.Node("02", "000000000000001"),
                    qriskit.Node("03", "UMI"),
                ),
            ),
            qriskit.MerchantAccount(
                "51",
                (
                    qriskit.Node("00", "ID.CO.QRIS.WWW"),
                    qriskit.Node("02", "ID1020000000001"),
                    qriskit.Node("03", "UMI"),
                ),
            ),
        ]
        return qriskit.build(
            merchant_name="Ah Ming Noodles",
            merchant_city="Taipei",
            mcc="5812",
            accounts=accounts,
            amount=f"{100 + i % 900}",
            additional_data={"05": f"R{i:08d}"},
        ).dumps()

    return parse, build


def main() -> None:
    for payload in PAYLOADS:  # the workload is what it claims to be
        assert decode(payload).valid, payload
    rows: dict[str, dict[str, float]] = {
        "decode: digiplus decode": ops_per_second(lambda i: decode(PAYLOADS[i % len(PAYLOADS)])),
        "decode: bare TLV split (floor)": ops_per_second(lambda i: bare_split(PAYLOADS[i % len(PAYLOADS)])),
    }
    extra = _qriskit()
    baseline_error = None
    if extra is not None:
        try:
            rows["decode: qriskit parse+validate"] = ops_per_second(extra[0])
        except Exception as exc:  # a baseline that cannot run is reported, not fatal
            baseline_error = f"qriskit parse: {exc!r}"
    rows["encode: digiplus merchant_qr"] = ops_per_second(
        lambda i: merchant_qr(
            merchant_id="org_01JQ8ZK3V6W2Y4N5P7R9T1X3B5",
            merchant_name="Ah Ming Noodles",
            merchant_city="Taipei",
            mcc="5812",
            amount_minor=10000 + i % 90000,
            reference=f"R{i:08d}",
        )
    )
    rows["encode: bare concat+CRC (floor)"] = ops_per_second(lambda i: bare_encode(f"{100 + i % 900}.00", f"R{i:08d}"))
    if extra is not None:
        try:
            rows["encode: qriskit build"] = ops_per_second(extra[1])
        except Exception as exc:
            baseline_error = (baseline_error or "") + f" qriskit build: {exc!r}"

    print(
        f"QR codec, {N} operations x {RUNS} runs, median ops/s ({platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} cores)"
    )
    print(f"{'workload':38} {'median/s':>10} {'min/s':>10} {'max/s':>10}")
    for name, r in rows.items():
        print(f"{name:38} {r['median']:10.0f} {r['min']:10.0f} {r['max']:10.0f}")
    decode_ratio = rows["decode: digiplus decode"]["median"] / rows["decode: bare TLV split (floor)"]["median"]
    encode_ratio = rows["encode: digiplus merchant_qr"]["median"] / rows["encode: bare concat+CRC (floor)"]["median"]
    print(f"decode at {decode_ratio:.1%} of the floor; encode at {encode_ratio:.1%} of the floor")
    if baseline_error:
        print(f"baseline not measured: {baseline_error}")
    result: dict[str, Any] = {
        "benchmark": "qr",
        "n": N,
        "runs": RUNS,
        "python": platform.python_version(),
        "cpu_count": os.cpu_count(),
        "ops_per_second": rows,
        "decode_vs_floor": decode_ratio,
        "encode_vs_floor": encode_ratio,
        "baseline_error": baseline_error,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2))
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
