"""Frictionless Table Schema: inferred from the first rows, then every batch checked and
converted to typed Arrow columns with PyArrow compute (vectorised, no Python per cell).

A descriptor is the Table Schema JSON itself: ``{"fields": [{"name", "type", "format"?,
"constraints"?}], "missingValues": [""]}``. Types: integer, number, boolean, date,
datetime, string. Errors come back as :class:`RowError` with the file's row number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from digiplus.core.errors import ValidationFailed

TYPES = ("string", "integer", "number", "boolean", "date", "datetime")
TRUE_VALUES = ["true", "True", "TRUE"]
FALSE_VALUES = ["false", "False", "FALSE"]
CONFIDENCE = 0.9  # share of sampled values that must fit a type for it to be inferred
INFER_ROWS = 10_000  # rows sampled from the start of the file
CONSTRAINTS = ("required", "minimum", "maximum", "minLength", "maxLength", "pattern", "enum")

_INTEGER = r"^[+-]?[0-9]+$"
_LEADING_ZERO = r"^[+-]?0[0-9]"
_NUMBER = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_DATE_FORMATS = {"%Y-%m-%d": r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$", "%Y/%m/%d": r"^[0-9]{4}/[0-9]{1,2}/[0-9]{1,2}$"}
_DATETIME_NAIVE = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?$"
_DATETIME_ZONED = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?(Z|[+-][0-9]{2}:?[0-9]{2})$"
)
_DATETIME_ANY = _DATETIME_ZONED.replace("(Z|", "(|Z|")
_MAX_VALUE_SHOWN = 80


@dataclass(frozen=True)
class RowError:
    """One problem in the data: ``row`` is the file's line (header = 1; Excel's row number)."""

    code: str  # type-error | constraint-error | missing-value | extra-cell | missing-cell | huge-cell | …
    message: str
    row: int | None = None
    field: str | None = None
    value: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "row": self.row, "field": self.field, "message": self.message, "value": self.value}


def shown(value: str) -> str:
    return value if len(value) <= _MAX_VALUE_SHOWN else value[:_MAX_VALUE_SHOWN] + "…"


def arrow_type(field: dict[str, Any]) -> pa.DataType:
    return {
        "string": pa.string(),
        "integer": pa.int64(),
        "number": pa.float64(),
        "boolean": pa.bool_(),
        "date": pa.date32(),
        "datetime": pa.timestamp("us", tz="UTC"),
    }[field["type"]]


def arrow_schema(descriptor: dict[str, Any]) -> pa.Schema:
    return pa.schema([pa.field(f["name"], arrow_type(f)) for f in descriptor["fields"]])


def _share(mask: pa.Array) -> float:
    return float(pc.sum(pc.cast(mask, pa.int64())).as_py() or 0) / max(len(mask), 1)


def _infer_type(values: pa.Array) -> dict[str, Any]:
    """The narrowest type that at least ``CONFIDENCE`` of the non-missing values fit (as
    Frictionless infers); the rest are then reported as type errors, to be corrected."""
    if len(values) == 0:
        return {"type": "string"}
    integer = pc.match_substring_regex(values, _INTEGER)
    if _share(integer) >= CONFIDENCE and not pc.any(pc.match_substring_regex(values, _LEADING_ZERO)).as_py():
        try:
            pc.cast(pc.filter(values, integer), pa.int64())
            return {"type": "integer"}
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            pass  # too large for int64: a number
    if _share(pc.match_substring_regex(values, _NUMBER)) >= CONFIDENCE:
        return {"type": "number"}
    if _share(pc.is_in(values, pa.array(TRUE_VALUES + FALSE_VALUES))) >= CONFIDENCE:
        return {"type": "boolean"}
    for fmt, pattern in _DATE_FORMATS.items():
        if _share(pc.match_substring_regex(values, pattern)) >= CONFIDENCE and (
            _share(pc.is_valid(_strptime(values, fmt))) >= CONFIDENCE
        ):
            return {"type": "date"} if fmt == "%Y-%m-%d" else {"type": "date", "format": fmt}
    if _share(pc.match_substring_regex(values, _DATETIME_ANY)) >= CONFIDENCE:
        return {"type": "datetime"}
    return {"type": "string"}


def infer_schema(names: list[str], batch: pa.RecordBatch, missing_values: list[str] | None = None) -> dict[str, Any]:
    """A Table Schema for columns of strings (or typed Arrow columns, e.g. from Parquet)."""
    missing = missing_values if missing_values is not None else [""]
    fields = []
    for name, column in zip(names, batch.columns, strict=True):
        if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
            fields.append({"name": name, "type": _type_of_arrow(column.type)})
            continue
        column = column.slice(0, INFER_ROWS)
        present = pc.filter(column, pc.invert(pc.is_in(column, pa.array(missing, pa.string()))))
        present = pc.drop_null(present)
        fields.append({"name": name, **_infer_type(present)})
    return {"fields": fields, "missingValues": missing}


def _type_of_arrow(t: pa.DataType) -> str:
    if pa.types.is_integer(t):
        return "integer"
    if pa.types.is_floating(t) or pa.types.is_decimal(t):
        return "number"
    if pa.types.is_boolean(t):
        return "boolean"
    if pa.types.is_date(t):
        return "date"
    if pa.types.is_timestamp(t):
        return "datetime"
    return "string"


def check_descriptor(descriptor: dict[str, Any]) -> None:
    """Refuse a schema we cannot apply, naming the field."""
    names: set[str] = set()
    for i, field in enumerate(descriptor.get("fields", [])):
        name = field.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 200:
            raise ValidationFailed(f"Field {i + 1} needs a name of 1–200 characters.", param=f"fields[{i}].name")
        if name in names:
            raise ValidationFailed(f"Two fields are named '{name}'.", param=f"fields[{i}].name")
        names.add(name)
        if field.get("type") not in TYPES:
            raise ValidationFailed(
                f"Field '{name}' has type {field.get('type')!r}; use one of {', '.join(TYPES)}.",
                param=f"fields[{i}].type",
            )
        if field["type"] == "date" and field.get("format", "%Y-%m-%d") not in _DATE_FORMATS:
            raise ValidationFailed(
                f"Field '{name}': date format must be one of {', '.join(_DATE_FORMATS)}.", param=f"fields[{i}].format"
            )
        for key, value in (field.get("constraints") or {}).items():
            if key not in CONSTRAINTS:
                raise ValidationFailed(
                    f"Field '{name}': unknown constraint '{key}' (known: {', '.join(CONSTRAINTS)}).",
                    param=f"fields[{i}].constraints.{key}",
                )
            if key == "pattern":
                try:
                    re.compile(str(value))
                except re.error as exc:
                    raise ValidationFailed(
                        f"Field '{name}': pattern is not a regular expression ({exc}).",
                        param=f"fields[{i}].constraints.pattern",
                    ) from None


def _strptime(values: pa.Array, fmt: str) -> pa.Array:
    return pc.cast(pc.strptime(values, format=fmt, unit="s", error_is_null=True), pa.date32())


@dataclass
class ConvertedBatch:
    table: pa.RecordBatch
    errors: list[RowError]
    error_count: int


class BatchConverter:
    """Turns batches of string (or typed) columns into the schema's typed columns.

    ``row_number(i)`` maps the i-th data row of the current batch to its line in the file.
    """

    def __init__(self, descriptor: dict[str, Any], *, max_cell_bytes: int, max_errors: int = 100) -> None:
        self.descriptor = descriptor
        self.fields = descriptor["fields"]
        self.missing = pa.array(descriptor.get("missingValues", [""]), pa.string())
        self.schema = arrow_schema(descriptor)
        self.max_cell_bytes = max_cell_bytes
        self.max_errors = max_errors

    def convert(self, batch: pa.RecordBatch, row_numbers: pa.Array) -> ConvertedBatch:
        errors: list[RowError] = []
        count = 0
        columns = []
        for field, column in zip(self.fields, batch.columns, strict=True):
            out, bad = self._column(field, column, row_numbers)
            columns.append(out)
            count += len(bad)
            room = self.max_errors - len(errors)
            if room > 0:
                errors.extend(bad[:room])
        return ConvertedBatch(pa.RecordBatch.from_arrays(columns, schema=self.schema), errors, count)

    def _errors(
        self, mask: pa.Array, column: pa.Array, rows: pa.Array, code: str, field: str, why: str
    ) -> list[RowError]:
        if not pc.any(mask).as_py():
            return []
        idx = pc.indices_nonzero(mask)
        bad_rows = pc.take(rows, idx).to_pylist()
        bad_values = pc.take(column, idx).to_pylist()
        return [
            RowError(code, why.format(value=shown(str(v))), row=r, field=field, value=shown(str(v)))
            for r, v in zip(bad_rows, bad_values, strict=True)
        ]

    def _column(self, field: dict[str, Any], column: pa.Array, rows: pa.Array) -> tuple[pa.Array, list[RowError]]:
        name, kind = field["name"], field["type"]
        target = arrow_type(field)
        if not (pa.types.is_string(column.type) or pa.types.is_large_string(column.type)):
            if column.type == target:
                return self._constraints(field, column, column, rows, [])
            column = pc.cast(column, pa.string())
        column = column.fill_null("")
        is_missing = pc.is_in(column, self.missing)
        errors: list[RowError] = []
        too_big = pc.greater(pc.binary_length(column), self.max_cell_bytes)
        if pc.any(too_big).as_py():
            idx = pc.indices_nonzero(too_big)
            for r in pc.take(rows, idx).to_pylist():
                errors.append(
                    RowError("huge-cell", f"The cell is larger than {self.max_cell_bytes} bytes.", row=r, field=name)
                )
            column = pc.if_else(too_big, "", column)
            is_missing = pc.or_(is_missing, too_big)
        present = pc.invert(is_missing)
        typed, ok = self._parse(field, kind, column)
        bad = pc.and_(present, pc.invert(ok))
        errors += self._errors(
            bad, column, rows, "type-error", name, f"'{{value}}' is not a valid {kind}" + _format_note(field)
        )
        typed = pc.if_else(pc.or_(is_missing, bad), pa.scalar(None, target), typed)
        return self._constraints(field, typed, column, rows, errors)

    def _parse(self, field: dict[str, Any], kind: str, column: pa.Array) -> tuple[pa.Array, pa.Array]:
        """(typed values, which parsed); unparsed rows hold anything (they become null)."""
        if kind == "string":
            return column, pc.is_valid(column)
        if kind == "boolean":
            true = pc.is_in(column, pa.array(TRUE_VALUES))
            false = pc.is_in(column, pa.array(FALSE_VALUES))
            return true, pc.or_(true, false)
        if kind == "date":
            typed = _strptime(column, field.get("format", "%Y-%m-%d"))
            return typed, pc.is_valid(typed)
        pattern = {"integer": _INTEGER, "number": _NUMBER}.get(kind)
        if pattern is not None:
            ok = pc.match_substring_regex(column, pattern)
            cleaned = pc.if_else(ok, column, "0")
            try:
                return pc.cast(cleaned, arrow_type(field)), ok
            except (pa.ArrowInvalid, OverflowError):
                return self._slow_parse(kind, column, ok)
        naive = pc.match_substring_regex(column, _DATETIME_NAIVE)
        zoned = pc.match_substring_regex(column, _DATETIME_ZONED)
        epoch = "1970-01-01T00:00:00"
        try:
            as_naive = pc.cast(pc.if_else(naive, column, epoch), pa.timestamp("us"))
            as_zoned = pc.cast(pc.if_else(zoned, column, epoch + "Z"), pa.timestamp("us", tz="UTC"))
        except pa.ArrowInvalid:
            return self._slow_parse(kind, column, pc.or_(naive, zoned))
        typed = pc.if_else(naive, pc.cast(as_naive, pa.timestamp("us", tz="UTC")), as_zoned)
        return typed, pc.or_(naive, zoned)

    def _slow_parse(self, kind: str, column: pa.Array, ok: pa.Array) -> tuple[pa.Array, pa.Array]:
        """Value by value: only for a batch where a well-formed value does not fit (a month 13,
        an integer beyond 64 bits)."""
        target = {"integer": pa.int64(), "number": pa.float64(), "datetime": pa.timestamp("us", tz="UTC")}[kind]
        out: list[Any] = []
        good: list[bool] = []
        for value, fine in zip(column.to_pylist(), ok.to_pylist(), strict=True):
            parsed = None
            if fine:
                try:
                    candidate = value if kind != "datetime" or value[-1:] == "Z" or "+" in value[10:] else value + "Z"
                    parsed = pc.cast(pa.array([candidate]), target)[0].as_py()
                except (pa.ArrowInvalid, OverflowError):
                    parsed = None
            out.append(parsed)
            good.append(parsed is not None)
        return pa.array(out, target), pa.array(good)

    def _constraints(
        self, field: dict[str, Any], typed: pa.Array, raw: pa.Array, rows: pa.Array, errors: list[RowError]
    ) -> tuple[pa.Array, list[RowError]]:
        constraints = field.get("constraints") or {}
        if not constraints:
            return typed, errors
        name = field["name"]
        present = pc.is_valid(typed)
        if constraints.get("required"):
            errors += self._errors(
                pc.invert(present), raw, rows, "missing-value", name, "A value is required (found '{value}')."
            )
        checks: list[tuple[pa.Array, str]] = []
        for key, op, word in (("minimum", pc.less, "below"), ("maximum", pc.greater, "above")):
            if key in constraints:
                bound = (
                    pa.scalar(constraints[key]).cast(typed.type) if field["type"] != "date" else _date(constraints[key])
                )
                checks.append((op(typed, bound), f"'{{value}}' is {word} the {key} {constraints[key]}."))
        if field["type"] == "string":
            length = pc.utf8_length(typed)
            if "minLength" in constraints:
                checks.append((pc.less(length, int(constraints["minLength"])), "'{value}' is shorter than minLength."))
            if "maxLength" in constraints:
                checks.append(
                    (pc.greater(length, int(constraints["maxLength"])), "'{value}' is longer than maxLength.")
                )
            if "pattern" in constraints:
                fullmatch = f"^(?:{constraints['pattern']})$"
                checks.append(
                    (pc.invert(pc.match_substring_regex(typed, fullmatch)), "'{value}' does not match the pattern.")
                )
        if "enum" in constraints:
            allowed = pa.array(constraints["enum"]).cast(typed.type)
            checks.append((pc.invert(pc.is_in(typed, allowed)), "'{value}' is not one of the allowed values."))
        for mask, why in checks:
            errors += self._errors(pc.and_(present, mask.fill_null(False)), raw, rows, "constraint-error", name, why)
        return typed, errors


def _date(value: Any) -> pa.Scalar:
    return pc.cast(pc.strptime(pa.array([str(value)]), format="%Y-%m-%d", unit="s"), pa.date32())[0]


def _format_note(field: dict[str, Any]) -> str:
    if field["type"] == "date":
        return f" (format {field.get('format', '%Y-%m-%d')})"
    if field["type"] == "boolean":
        return " (true or false)"
    return "."
