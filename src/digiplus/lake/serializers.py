"""Lake objects as API dictionaries."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from digiplus.lake.models import HistoryImport


def _ts(moment: datetime | None) -> int | None:
    return int(moment.timestamp()) if moment is not None else None


def import_public(job: HistoryImport) -> dict[str, Any]:
    progress = 1.0 if job.status == "succeeded" else (job.bytes_read / job.bytes_total if job.bytes_total else 0.0)
    return {
        "object": "history_import",
        "id": job.id,
        "created": _ts(job.created),
        "livemode": job.livemode,
        "merchant": job.org_id,
        "requested_by": job.requested_by_org_id,
        "status": job.status,
        "filename": job.filename,
        "sha256": job.sha256,
        "bytes_total": job.bytes_total,
        "bytes_read": job.bytes_read,
        "progress": round(min(progress, 1.0), 4),
        "rows_read": job.rows_read,
        "rows_imported": job.rows_imported,
        "rows_already_imported": job.rows_already_imported,
        "rows_rejected": job.rows_rejected,
        "errors": job.errors or [],
        "failure": job.failure,
        "first_day": job.first_day.isoformat() if job.first_day else None,
        "last_day": job.last_day.isoformat() if job.last_day else None,
        "files_written": job.files_written,
        "started": _ts(job.started),
        "finished": _ts(job.finished),
    }
