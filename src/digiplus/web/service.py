"""What the home dashboard shows: the platform's modules and the org's counts."""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.orm import Session

from digiplus.core import webhooks
from digiplus.core.audit import service as audit
from digiplus.core.context import Caller
from digiplus.core.db import utcnow
from digiplus.identity import service as identity
from digiplus.registry import MODULES
from digiplus.web.i18n import N_

RECENT_AUDIT_DAYS = 7


@dataclass(frozen=True)
class ModuleCard:
    key: str
    package: str
    title: str  # msgid
    summary: str  # msgid
    href: str

    @property
    def available(self) -> bool:
        """Live once its package exists and is registered (then its pages are mounted)."""
        return self.package in MODULES and importlib.util.find_spec(self.package) is not None


# The nine domain modules of the plan (ARCHITECTURE.md), in the order the plan builds them.
PLATFORM_MODULES = (
    ModuleCard(
        "payments",
        "digiplus.payments",
        N_("Payments"),
        N_("Wallets, QR payments, merchant settlement and refunds on one ledger."),
        "/payments",
    ),
    ModuleCard(
        "sandbox",
        "digiplus.sandbox",
        N_("FinTech sandbox"),
        N_("Test-mode banks, cards and regulators to try financial products safely."),
        "/sandbox",
    ),
    ModuleCard(
        "commerce",
        "digiplus.commerce",
        N_("Commerce"),
        N_("Catalogues, orders and storefronts for merchants of every size."),
        "/commerce",
    ),
    ModuleCard(
        "insight", "digiplus.insight", N_("Insight"), N_("Dashboards and analytics over the data lake."), "/insight"
    ),
    ModuleCard(
        "data",
        "digiplus.data",
        N_("Data exchange"),
        N_("Publish, license and exchange data sets between organizations."),
        "/data",
    ),
    ModuleCard(
        "culture",
        "digiplus.culture",
        N_("Culture & IP"),
        N_("Register creative works, license them and pay royalties."),
        "/culture",
    ),
    ModuleCard(
        "ventures", "digiplus.ventures", N_("Ventures"), N_("Start-ups, investors and funding rounds."), "/ventures"
    ),
    ModuleCard(
        "compute",
        "digiplus.compute",
        N_("Compute"),
        N_("Run compute jobs on shared capacity, paid with compute credit."),
        "/compute",
    ),
    ModuleCard("iot", "digiplus.iot", N_("IoT"), N_("Devices, telemetry ingest and alerts."), "/iot"),
)


@dataclass(frozen=True)
class DashboardCounts:
    api_keys: int
    webhook_endpoints: int
    members: int
    recent_audit_entries: int | None  # None when the caller may not read the audit log


def dashboard_counts(session: Session, caller: Caller) -> DashboardCounts:
    """Active API keys and webhook endpoints in the caller's mode, members, audit entries of the last week."""
    keys = [k for k in identity.list_api_keys(session, caller) if k.revoked_at is None]
    recent: int | None = None
    if caller.can("audit.read"):
        recent = audit.count_entries_since(session, caller, utcnow() - timedelta(days=RECENT_AUDIT_DAYS))
    return DashboardCounts(
        api_keys=len(keys),
        webhook_endpoints=len(webhooks.list_endpoints(session, caller)),
        members=len(identity.list_members(session, caller)),
        recent_audit_entries=recent,
    )


def actor_labels(session: Session, caller: Caller, actor_ids: set[str]) -> dict[str, str]:
    """Readable names (an email, a key's name) for the actor ids of audit entries in the caller's org.

    Core pages (the audit log) draw actors through the shell, since core itself knows no identity.
    """
    return identity.actor_labels(session, caller.org_id, actor_ids)
