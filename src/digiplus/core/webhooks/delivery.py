"""The worker tasks that move events from the outbox to webhook endpoints.

``dispatch_outbox`` fans each new event out to one delivery per subscribed
endpoint and marks the event dispatched, in one transaction. ``deliver_webhooks``
claims due deliveries (pushing their due time forward as a lease, with a token),
sends them with no transaction open, then records each attempt and schedules the
next with exponential back-off and jitter. A worker that dies mid-send leaves the
lease to expire and the delivery is sent again: delivery is at least once, and
``webhook-id`` (the event id) stays the same so receivers can drop duplicates.
"""

from __future__ import annotations

import json
import random
import secrets
import time
from collections import defaultdict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from urllib.parse import urlsplit

import httpx
import structlog
from sqlalchemy import select
from standardwebhooks import Webhook

from digiplus.core.db import Database, utcnow
from digiplus.core.events.models import Event
from digiplus.core.events.service import serialize_event
from digiplus.core.ids import id_for
from digiplus.core.sealed import CannotUnseal, unseal
from digiplus.core.webhooks.models import (
    FAILED,
    PENDING,
    SECRET_PURPOSE,
    SUCCEEDED,
    WebhookAttempt,
    WebhookDelivery,
    WebhookEndpoint,
)
from digiplus.core.webhooks.ssrf import UnsafeURL, guard_applies, pinned_request_target, resolve_public
from digiplus.core.worker import task
from digiplus.settings import get_settings

log = structlog.get_logger("digiplus.webhooks")

EVENT_BATCH = 100
DELIVERY_BATCH = 20
SENDERS = 8
RETRY_BASE_SECONDS = 30.0
RETRY_CAP_SECONDS = 6 * 3600.0
LEASE_MARGIN = timedelta(seconds=60)
RESPONSE_EXCERPT = 1000
USER_AGENT = "digiplus-webhooks/1"


def subscribes(enabled_events: Sequence[str], event_type: str) -> bool:
    """Whether an endpoint's ``enabled_events`` cover ``event_type`` (``*``, exact, or ``group.*``)."""
    for pattern in enabled_events:
        if pattern == "*" or pattern == event_type:
            return True
        if pattern.endswith(".*") and event_type.startswith(pattern[:-1]):
            return True
    return False


def retry_delay(attempts_made: int, rng: random.Random | None = None) -> timedelta:
    """30 s · 2^(n-1) after the n-th failed attempt, ±20 % jitter, never over 6 h."""
    base = RETRY_BASE_SECONDS * 2 ** min(attempts_made - 1, 30)
    jitter = (rng or random).uniform(0.8, 1.2)
    return timedelta(seconds=min(base * jitter, RETRY_CAP_SECONDS))


@task("dispatch_outbox")
def dispatch_outbox(db: Database) -> int:
    """Turn undispatched events into deliveries; safe with several workers (rows are locked and skipped)."""
    with db.session() as session:
        events = list(
            session.scalars(
                select(Event)
                .where(Event.dispatched_at.is_(None))
                .order_by(Event.id)
                .limit(EVENT_BATCH)
                .with_for_update(skip_locked=True)
            )
        )
        if not events:
            return 0
        endpoints = session.scalars(
            select(WebhookEndpoint).where(
                WebhookEndpoint.org_id.in_({e.org_id for e in events}), WebhookEndpoint.status == "enabled"
            )
        )
        by_scope: dict[tuple[str, bool], list[WebhookEndpoint]] = defaultdict(list)
        for endpoint in endpoints:
            by_scope[(endpoint.org_id, endpoint.livemode)].append(endpoint)
        now = utcnow()
        fanned = 0
        for event in events:
            for endpoint in by_scope.get((event.org_id, event.livemode), []):
                if event.endpoint_id is not None:
                    wanted = endpoint.id == event.endpoint_id
                else:
                    wanted = endpoint.created <= event.created and subscribes(endpoint.enabled_events, event.type)
                if wanted:
                    session.add(
                        WebhookDelivery(
                            id=id_for("webhook_delivery"),
                            org_id=event.org_id,
                            livemode=event.livemode,
                            endpoint_id=endpoint.id,
                            event_id=event.id,
                            event_type=event.type,
                            status=PENDING,
                            attempt_count=0,
                            next_attempt_at=now,
                        )
                    )
                    fanned += 1
            event.dispatched_at = now
        log.debug("outbox_dispatched", events=len(events), deliveries=fanned)
        return len(events)


@dataclass(frozen=True)
class _Job:
    delivery_id: str
    lease: str
    number: int
    event_id: str
    url: str
    secret: str  # sealed (core/sealed.py); opened only to sign
    livemode: bool
    payload: str


@dataclass(frozen=True)
class _Outcome:
    sent_at: datetime
    duration_ms: int
    status_code: int | None = None
    error: str | None = None
    response_body: str | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def _claim_due(db: Database) -> list[_Job]:
    now = utcnow()
    lease_until = now + timedelta(seconds=get_settings().webhook_timeout_seconds) + LEASE_MARGIN
    with db.session() as session:
        rows = session.execute(
            select(WebhookDelivery, WebhookEndpoint, Event)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .join(Event, Event.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.status == PENDING, WebhookDelivery.next_attempt_at <= now)
            .order_by(WebhookDelivery.next_attempt_at)
            .limit(DELIVERY_BATCH)
            .with_for_update(of=WebhookDelivery, skip_locked=True)
        ).all()
        jobs = []
        for delivery, endpoint, event in rows:
            delivery.lease = secrets.token_hex(8)
            delivery.next_attempt_at = lease_until
            jobs.append(
                _Job(
                    delivery_id=delivery.id,
                    lease=delivery.lease,
                    number=delivery.attempt_count + 1,
                    event_id=event.id,
                    url=endpoint.url,
                    secret=endpoint.secret,
                    livemode=endpoint.livemode,
                    payload=json.dumps(serialize_event(event), separators=(",", ":")),
                )
            )
        return jobs


@lru_cache(maxsize=1)
def _client() -> httpx.Client:
    """One pooled client for all sends (thread-safe); redirects are not followed, proxies not taken from env."""
    return httpx.Client(follow_redirects=False, trust_env=False, limits=httpx.Limits(max_connections=SENDERS * 4))


def _post(job: _Job, sent_at: datetime, timeout: float) -> tuple[int, str | None]:
    headers = {
        "content-type": "application/json",
        "user-agent": USER_AGENT,
        "webhook-id": job.event_id,
        "webhook-timestamp": str(int(sent_at.timestamp())),
        "webhook-signature": Webhook(unseal(job.secret, SECRET_PURPOSE)).sign(job.event_id, sent_at, job.payload),
    }
    if not guard_applies(job.livemode):
        return _exchange(_client(), job.url, job.payload, headers, {}, timeout)
    # Connect to the very address that passed the check, keeping Host and TLS SNI on the name. A
    # connection of its own: a pooled one to the same address may have been verified for another name.
    target, headers["host"] = pinned_request_target(job.url, resolve_public(job.url)[0])
    extensions = {"sni_hostname": urlsplit(job.url).hostname or ""}
    with httpx.Client(follow_redirects=False, trust_env=False) as client:
        return _exchange(client, target, job.payload, headers, extensions, timeout)


def _exchange(
    client: httpx.Client, target: str, payload: str, headers: dict[str, str], extensions: dict[str, str], timeout: float
) -> tuple[int, str | None]:
    with client.stream(
        "POST", target, content=payload.encode(), headers=headers, extensions=extensions, timeout=timeout
    ) as response:
        excerpt = b""
        for chunk in response.iter_bytes():
            excerpt += chunk
            if len(excerpt) >= RESPONSE_EXCERPT:
                break
        return response.status_code, excerpt[:RESPONSE_EXCERPT].decode("utf-8", "replace") or None


def _send(job: _Job) -> _Outcome:
    """One signed POST, with no database transaction open; failures become the attempt's error."""
    timeout = get_settings().webhook_timeout_seconds
    sent_at = utcnow()
    started = time.perf_counter()
    status_code: int | None = None
    body: str | None = None
    error: str | None = None
    try:
        status_code, body = _post(job, sent_at, timeout)
    except UnsafeURL as exc:
        error = f"refused before connecting: url {exc}"
    except httpx.TimeoutException:
        error = f"timed out after {timeout:g} s"
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}"
    except CannotUnseal as exc:
        error = f"cannot sign: {exc}"
    except Exception as exc:  # a bad URL or secret must fail this attempt, not the worker
        log.exception("webhook_send_failed", delivery=job.delivery_id)
        error = f"{type(exc).__name__}: {exc}"
    duration_ms = round((time.perf_counter() - started) * 1000)
    return _Outcome(
        sent_at=sent_at,
        duration_ms=duration_ms,
        status_code=status_code,
        error=error[:500] if error else None,
        response_body=body,
    )


def _record(db: Database, job: _Job, outcome: _Outcome) -> None:
    with db.session() as session:
        delivery = session.scalars(
            select(WebhookDelivery).where(WebhookDelivery.id == job.delivery_id).with_for_update()
        ).one_or_none()
        if delivery is None:  # the endpoint was deleted while we were sending
            return
        session.add(
            WebhookAttempt(
                id=id_for("webhook_attempt"),
                delivery_id=delivery.id,
                number=job.number,
                created=outcome.sent_at,
                url=job.url,
                status_code=outcome.status_code,
                duration_ms=outcome.duration_ms,
                error=outcome.error,
                response_body=outcome.response_body,
            )
        )
        if delivery.lease != job.lease or delivery.status != PENDING:
            return  # our lease ran out and another worker owns the delivery now
        now = utcnow()
        delivery.lease = None
        delivery.attempt_count = job.number
        delivery.last_status_code = outcome.status_code
        if outcome.succeeded:
            delivery.status, delivery.completed_at, delivery.next_attempt_at = SUCCEEDED, now, None
        elif job.number >= get_settings().webhook_max_attempts:
            delivery.status, delivery.completed_at, delivery.next_attempt_at = FAILED, now, None
        else:
            delivery.next_attempt_at = now + retry_delay(job.number)
        log.info(
            "webhook_attempt",
            delivery=delivery.id,
            event_id=job.event_id,
            attempt=job.number,
            status_code=outcome.status_code,
            error=outcome.error,
            result=delivery.status,
        )


@task("deliver_webhooks")
def deliver_webhooks(db: Database) -> int:
    """Send every due delivery once: claim (short transaction), send (none), record (short transaction)."""
    jobs = _claim_due(db)
    if not jobs:
        return 0
    with ThreadPoolExecutor(max_workers=min(SENDERS, len(jobs)), thread_name_prefix="webhook-send") as pool:
        outcomes = list(pool.map(_send, jobs))
    for job, outcome in zip(jobs, outcomes, strict=True):
        _record(db, job, outcome)
    return len(jobs)
