"""structlog set-up: JSON lines on stdout with the request id bound per request.

Records of the standard library's loggers (uvicorn, SQLAlchemy, Alembic) go
through the same processors, so one process writes one format.
"""

from __future__ import annotations

import logging
import sys

import structlog

_HANDLER_NAME = "digiplus"


class _StdoutHandler(logging.Handler):
    """Writes to whatever ``sys.stdout`` is when a record comes (test capture swaps it)."""

    def emit(self, record: logging.LogRecord) -> None:
        try:
            sys.stdout.write(self.format(record) + "\n")
        except Exception:
            self.handleError(record)


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer()
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    numeric_level = logging.getLevelNamesMapping()[level.upper()]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(numeric_level),
        logger_factory=structlog.PrintLoggerFactory(),
        # Not cached: a second configure (the CLI after importing the app, tests) must
        # reach module-level loggers that have logged already.
        cache_logger_on_first_use=False,
    )
    handler = _StdoutHandler()
    handler.set_name(_HANDLER_NAME)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=[*shared, structlog.stdlib.add_logger_name],
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, renderer],
        )
    )
    root = logging.getLogger()
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(numeric_level)
    # Our middleware logs every request with its id; uvicorn's own access line would repeat it.
    logging.getLogger("uvicorn.access").setLevel(logging.WARNING)
