"""At the merchant's counter: show a dynamic QR for an amount (it turns to "paid" by itself), the
static-QR counter sticker, the merchant settings, and payouts with their reconciliation CSV."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Path, Query
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.api.pagination import ListParams
from digiplus.core.permissions import require
from digiplus.payments.models import PaymentIntent
from digiplus.payments.pages.common import ID_PATTERN, SCENARIO_LABELS, MerchantDep, attempt, error_text, labels
from digiplus.payments.qr import counter_sticker_svg, render_svg
from digiplus.payments.service import banks, counter, intents, reconciliation, reports
from digiplus.payments.service.scenarios import MCC_SCENARIOS
from digiplus.web.deps import CsrfDep, PageDep
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import NavItem, PageContext, page_response, redirect

router = page_router()
NAV = (NavItem(N_("Payments"), "/payments", "payments", permission="payments.read", order=35, org_kinds=("merchant",)),)
IntentId = Annotated[str, Path(max_length=64, pattern=ID_PATTERN)]
Cursor = Annotated[str | None, Query(max_length=64, pattern=ID_PATTERN)]
WAITING = ("requires_payment_method", "requires_confirmation", "requires_action", "processing")

# A few categories per scenario for the settings form (any 4-digit MCC may be typed instead).
COMMON_MCCS = ("5812", "5814", "5411", "5499", "4111", "4121", "7011", "7991", "8011", "5912", "8220", "5942", "9399")


def _new_form(page: PageContext, **extra: Any) -> Response:
    context = {"error": None, "form": {"amount": "", "description": "", "capture": "automatic"}, **extra}
    return page_response(page, "payments/new.html", context, status_code=400 if context["error"] else 200)


@router.get("/payments/new")
def new_payment_form(session: SessionDep, page: PageDep, caller: MerchantDep) -> Response:
    page.section = "payments"
    return _new_form(page, profile=reports.merchant_profile(session, caller))


@router.post("/payments/new")
def new_payment(
    session: SessionDep,
    page: PageDep,
    caller: MerchantDep,
    _csrf: CsrfDep,
    amount: Annotated[str, Form(max_length=30)] = "",
    description: Annotated[str, Form(max_length=200)] = "",
    capture: Annotated[str, Form(pattern="^(automatic|manual)$")] = "automatic",
) -> Response:
    require(caller.role, "payments.write")
    page.section = "payments"
    made, error = attempt(
        session,
        lambda: counter.show_dynamic_qr(
            session, caller, amount=amount, description=description.strip() or None, capture_method=capture
        ),
    )
    if error is not None or made is None:
        form = {"amount": amount, "description": description, "capture": capture}
        profile = reports.merchant_profile(session, caller)
        return _new_form(page, profile=profile, error=error_text(page, error) if error else "", form=form)
    return redirect(page, f"/payments/{made.id}/qr")


def _status_context(page: PageContext, intent: PaymentIntent) -> dict[str, Any]:
    return {"p": intent, "waiting": intent.status in WAITING, "oob": False, **labels(page)}


@router.get("/payments/{intent_id}/qr")
def payment_qr_page(intent_id: IntentId, session: SessionDep, page: PageDep, caller: MerchantDep) -> Response:
    page.section = "payments"
    intent = intents.get_intent(session, caller, intent_id)
    payload = counter.qr_payload_of(intent)
    svg = render_svg(payload, scale=8, border=2) if payload and intent.status in WAITING else None
    profile = reports.merchant_profile(session, caller)
    context = {"payload": payload, "svg": svg, "profile": profile, **_status_context(page, intent)}
    return page_response(page, "payments/show_qr.html", context)


@router.get("/payments/{intent_id}/status")
def payment_status(intent_id: IntentId, session: SessionDep, page: PageDep, caller: MerchantDep) -> Response:
    """The small status box the QR page polls every second (HTMX) until the payment leaves waiting."""
    intent = intents.get_intent(session, caller, intent_id)
    return page_response(page, "payments/_status.html", {**_status_context(page, intent), "oob": True})


@router.get("/payments/sticker")
def sticker_page(session: SessionDep, page: PageDep, caller: MerchantDep) -> Response:
    page.section = "payments"
    profile = reports.merchant_profile(session, caller)
    context: dict[str, Any] = {"profile": profile, "sticker": None, "payload": None}
    if profile is not None:
        _, payload = counter.static_qr(session, caller)
        context |= {"payload": payload, "sticker": counter_sticker_svg(payload, profile.display_name, page.locale)}
    return page_response(page, "payments/sticker.html", context)


@router.get("/payments/sticker.svg")
def sticker_svg(session: SessionDep, page: PageDep, caller: MerchantDep) -> Response:
    profile, payload = counter.static_qr(session, caller)
    svg = counter_sticker_svg(payload, profile.display_name, page.locale)
    filename = f"digiplus-sticker-{page.locale}.svg"
    return Response(svg, media_type="image/svg+xml", headers={"Content-Disposition": f'inline; filename="{filename}"'})


def _settings(session: SessionDep, page: PageContext, caller: MerchantDep, **extra: Any) -> Response:
    page.section = "payments"
    profile = reports.merchant_profile(session, caller)
    accounts = list(session.scalars(banks.bank_accounts_query(caller)))
    form = {
        "display_name": profile.display_name if profile else (page.org.name if page.org else ""),
        "city": profile.city if profile else "",
        "mcc": profile.mcc if profile else "5812",
        "bank_account": profile.bank_account_id if profile else "",
    }
    context = {
        "profile": profile,
        "accounts": accounts,
        "mask": banks.mask,
        "form": form,
        "error": None,
        "mccs": [(mcc, MCC_SCENARIOS.get(mcc, "other")) for mcc in COMMON_MCCS],
        "scenario_labels": SCENARIO_LABELS,
        **labels(page),
        **extra,
    }
    return page_response(page, "payments/settings.html", context, status_code=400 if context["error"] else 200)


@router.get("/payments/settings")
def settings_page(session: SessionDep, page: PageDep, caller: MerchantDep) -> Response:
    return _settings(session, page, caller)


@router.post("/payments/settings")
def save_settings(
    session: SessionDep,
    page: PageDep,
    caller: MerchantDep,
    _csrf: CsrfDep,
    display_name: Annotated[str, Form(max_length=100)] = "",
    city: Annotated[str, Form(max_length=60)] = "",
    mcc: Annotated[str, Form(max_length=4)] = "",
    bank_account: Annotated[str, Form(max_length=64)] = "",
    bank_code: Annotated[str, Form(max_length=3)] = "",
    account_number: Annotated[str, Form(max_length=20)] = "",
    holder_name: Annotated[str, Form(max_length=100)] = "",
) -> Response:
    require(caller.role, "payments.write")
    form = {"display_name": display_name, "city": city, "mcc": mcc, "bank_account": bank_account}
    if not display_name.strip() or not city.strip():
        missing = "display_name" if not display_name.strip() else "city"
        message = page.gettext(N_("%(field)s: Fill in this field."), field=page.gettext(_FIELD_NAMES[missing]))
        return _settings(session, page, caller, error=message, form=form)
    _, error = attempt(
        session,
        lambda: counter.save_settings(
            session,
            caller,
            display_name=display_name.strip(),
            city=city.strip(),
            mcc=mcc.strip(),
            bank_account_id=bank_account or None,
            new_bank_code=bank_code.strip() or None,
            new_account_number=account_number.strip() or None,
            new_holder_name=holder_name.strip() or None,
        ),
    )
    if error is not None:
        return _settings(session, page, caller, error=error_text(page, error), form=form)
    return redirect(page, "/payments/settings", flash=N_("The merchant settings were saved."))


_FIELD_NAMES = {"display_name": N_("Shop name"), "city": N_("City")}


@router.get("/payments/payouts")
def payouts_page(session: SessionDep, page: PageDep, caller: MerchantDep, starting_after: Cursor = None) -> Response:
    page.section = "payments"
    params = ListParams(limit=30, starting_after=starting_after)
    rows = reports.list_payouts(session, caller, params)
    context = {
        "payouts": rows["data"],
        "older_url": f"/payments/payouts?starting_after={rows['data'][-1].id}" if rows["has_more"] else None,
        **labels(page),
    }
    return page_response(page, "payments/payouts.html", context)


@router.get("/payments/payouts/{payout_id}")
def payout_page(
    payout_id: Annotated[str, Path(max_length=64, pattern=ID_PATTERN)],
    session: SessionDep,
    page: PageDep,
    caller: MerchantDep,
) -> Response:
    page.section = "payments"
    report = reconciliation.payout_reconciliation(session, caller, payout_id)
    return page_response(page, "payments/payout.html", {"report": report, "payout": report.payout, **labels(page)})


@router.get("/payments/payouts/{payout_id}/reconciliation.csv")
def payout_csv(
    payout_id: Annotated[str, Path(max_length=64, pattern=ID_PATTERN)],
    session: SessionDep,
    page: PageDep,
    caller: MerchantDep,
) -> Response:
    report = reconciliation.payout_reconciliation(session, caller, payout_id)
    return Response(
        reconciliation.reconciliation_csv(report),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{report.payout.id}-reconciliation.csv"'},
    )
