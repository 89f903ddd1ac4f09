"""What the loyalty pages share: who may see them, form errors naming the field, savepoints."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, TypeVar

from fastapi import Depends
from pydantic import ValidationError
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.core.errors import DigiplusError, InvalidRequest
from digiplus.core.permissions import require
from digiplus.web.deps import CallerDep, PageDep
from digiplus.web.i18n import N_
from digiplus.web.shell import PageContext

T = TypeVar("T")
ID_PATTERN = r"^[A-Za-z0-9_]+$"
KIND_LABELS = {
    "earn": N_("Purchase"),
    "signup_bonus": N_("Sign-up bonus"),
    "birthday_bonus": N_("Birthday bonus"),
    "adjustment_grant": N_("Adjustment"),
    "adjustment_deduct": N_("Adjustment"),
    "redemption": N_("Reward"),
    "redemption_returned": N_("Reward returned"),
    "expiry": N_("Expired"),
    "clawback": N_("Refund"),
}


def attempt(session: Session, call: Callable[[], T]) -> tuple[T | None, DigiplusError | None]:
    """One service call in a savepoint: on a domain or validation error nothing it wrote remains."""
    try:
        with session.begin_nested():
            return call(), None
    except DigiplusError as exc:
        return None, exc
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "form"
        return None, InvalidRequest(first["msg"], param=field)


def error_text(page: PageContext, exc: DigiplusError) -> str:
    message = page.gettext(exc.message)
    return f"{exc.param}: {message}" if exc.param else message


def _kind(page: PageContext, caller: Caller, kind: str, message: str) -> Caller:
    org = page.org
    if org is None or org.kind != kind:
        raise InvalidRequest(message, code=f"org_not_{kind}")
    return caller


def merchant_caller(page: PageDep, caller: CallerDep) -> Caller:
    require(caller.role, "loyalty.read")
    return _kind(
        page, caller, "merchant", N_("These pages are for merchant organizations. Switch to a merchant organization.")
    )


def consumer_caller(page: PageDep, caller: CallerDep) -> Caller:
    require(caller.role, "loyalty.read")
    return _kind(
        page, caller, "consumer", N_("The wallet is for consumer organizations. Switch to your personal organization.")
    )


MerchantDep = Annotated[Caller, Depends(merchant_caller)]
ConsumerDep = Annotated[Caller, Depends(consumer_caller)]
