"""One settings object for the whole platform, read from ``DIGIPLUS_*`` variables.

The defaults give the embedded set-up (SQLite and a data folder under ``var/``);
in production the default secret is refused at start-up.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105  (the default production refuses)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="DIGIPLUS_", extra="ignore")

    env: Literal["dev", "production"] = "dev"
    data_dir: Path = Path("var")
    database_url: str = ""
    db_pool_size: int = Field(
        default=40, ge=1, description="connections kept per process: one per request thread (anyio's default 40)"
    )
    db_max_overflow: int = Field(default=10, ge=0, description="extra connections, closed when given back")
    secret_key: str = DEV_SECRET_KEY
    secret_key_fallbacks: list[str] = Field(
        default_factory=list, description="earlier secret keys: values sealed under them still open (core/sealed.py)"
    )
    base_url: str = "http://127.0.0.1:8000"

    api_version: str = "2026-11-27"
    rate_limit: str = Field(default="100/second", description="per API key, `limits` syntax")
    anonymous_rate_limit: str = Field(
        default="20/second", description="per client address, for public reads without a key (`limits` syntax)"
    )
    rate_limit_storage: str = "memory://"
    max_body_bytes: int = 1_048_576
    idempotency_ttl_hours: int = 24
    api_key_cache_seconds: float = Field(
        default=300.0, ge=0, description="how long a checked API key is remembered per process; 0 turns it off"
    )
    api_key_revocation_check_seconds: float = Field(
        default=1.0,
        ge=0,
        description="how often each process looks for keys revoked elsewhere: the bound on a revocation's delay",
    )

    session_max_age_seconds: int = 14 * 24 * 3600
    # login throttling (identity/throttle.py)
    login_max_failures: int = Field(default=5, ge=1, description="wrong passwords per account before a lock")
    login_max_failures_per_ip: int = Field(default=50, ge=1, description="wrong passwords per address before a lock")
    login_failure_window_seconds: int = Field(default=900, ge=60, description="how long failures count (and lock)")
    worker_enabled: bool = True
    worker_poll_seconds: float = 1.0
    consumer_lag_seconds: float = Field(
        default=30.0,
        ge=0,
        description="PostgreSQL: outbox consumers leave events younger than this for the next run (core/events/consumers.py)",
    )
    webhook_timeout_seconds: float = 10.0
    webhook_max_attempts: int = 8
    # payments (docs/payments.md)
    bank_connector: Literal["simulated"] = "simulated"
    fx_rate_source: Literal["table"] = "table"
    fx_spread_bps: int = Field(default=150, ge=0, le=2_000, description="margin over the mid rate, basis points")
    fx_quote_ttl_seconds: int = Field(default=60, ge=5, le=3_600)
    payment_code_ttl_seconds: int = Field(default=60, ge=10, le=600)
    payment_capture_window_seconds: int = Field(default=7 * 24 * 3600, ge=60)
    # sandbox (docs/sandbox.md)
    sandbox_processing_seconds: float = Field(
        default=5.0, ge=0, le=3_600, description="how long a test payment of a 'processing' magic amount processes"
    )
    # commerce (docs/commerce.md)
    commerce_reservation_seconds: int = Field(
        default=15 * 60, ge=30, le=24 * 3600, description="how long checkout holds stock for an unpaid order"
    )
    wallet_limits: dict[int, tuple[int, int, int]] | None = Field(
        default=None,
        description="verification level -> (per payment, daily, monthly) in TWD minor units; None = defaults",
    )
    # fees, settlement and payouts (docs/payments.md, "Fees, settlement and payouts")
    settlement_delay_days: int = Field(
        default=1, ge=0, le=30, description="business days (Asia/Taipei, Mon-Fri) before captured funds are available"
    )
    settlement_holidays: list[date] = Field(default_factory=list, description="dates that are not business days")
    payout_minimum: dict[str, int] = Field(
        default_factory=lambda: {"TWD": 100_00},
        description="currency -> smallest payout in minor units; a currency not named: one major unit",
    )
    # POS terminals (docs/terminals.md)
    terminal_signature_window_seconds: int = Field(
        default=300, ge=10, le=3_600, description="a signed terminal request's timestamp may be this far off"
    )
    terminal_pairing_code_ttl_seconds: int = Field(default=600, ge=30, le=86_400)
    terminal_offline_after_seconds: int = Field(
        default=90, ge=5, description="a terminal silent this long shows as offline on the fleet page"
    )
    terminal_pin_max_attempts: int = Field(default=5, ge=1, le=20, description="wrong supervisor PINs before lockout")
    terminal_pin_lockout_seconds: int = Field(default=900, ge=1)
    terminal_watch_interval_ms: int = Field(
        default=100, ge=10, le=5_000, description="how often each server process looks for finished payments"
    )
    terminal_wait_seconds: float = Field(
        default=25.0, gt=0, le=300, description="longest long-poll; an event stream sends a keep-alive this often"
    )
    harvest_timeout_seconds: float = 20.0
    harvest_max_bytes: int = 100 * 1024 * 1024
    # Harvest sources must resolve to public addresses; tests (and a deliberate on-premises set-up) lift it.
    harvest_allow_private_networks: bool = False
    lake_url: str = Field(default="", description="fsspec URL of the lake; empty: <data_dir>/lake")
    customer_ref_key: str = Field(
        default="",
        description="HMAC key of the lake's customer pseudonyms (docs/lake.md); empty: derived from secret_key",
    )
    data_max_cell_bytes: int = Field(default=65_536, description="ingest refuses a cell longer than this")
    data_max_upload_bytes: int = Field(default=1_073_741_824, description="largest upload to /v1/ingest_jobs")
    data_search_in_memory: bool = Field(
        default=True,
        description="catalogue search from an index held in each process's memory (docs/data.md); off: in SQL",
    )
    warm_up: bool = Field(
        default=True,
        description="a server process loads what its first requests would wait for (core/warmup.py) as it starts",
    )
    log_json: bool = True
    log_level: str = "INFO"

    @model_validator(mode="after")
    def _fill_and_check(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'digiplus.db').as_posix()}"
        if self.env == "production" and (self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32):
            raise ValueError(
                "DIGIPLUS_SECRET_KEY must be set to a random value of at least 32 "
                "characters in production (the development default is refused)"
            )
        if self.env == "production" and self.customer_ref_key and len(self.customer_ref_key) < 32:
            raise ValueError(
                "DIGIPLUS_CUSTOMER_REF_KEY must be a random value of at least 32 characters in production "
                "(or left empty, to derive it from DIGIPLUS_SECRET_KEY)"
            )
        return self

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


@lru_cache
def get_settings() -> Settings:
    return Settings()
