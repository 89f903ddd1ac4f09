"""``/terminal``: the software terminal for a tablet or phone at the counter.

The page holds no login: it pairs once with a code from the merchant, keeps the terminal's
credential in the browser's storage and signs every API request itself (WebCrypto HMAC), as
a hardware terminal does. The strings it shows are rendered here in the viewer's language."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from digiplus.settings import get_settings
from digiplus.web import security
from digiplus.web.deps import anonymous_page
from digiplus.web.errors import page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import page_response

router = page_router()

TEXT = {
    "pairTitle": N_("Pair this terminal"),
    "pairHelp": N_("On the merchant's Terminals page, choose “Pairing code” and type the code here."),
    "pairButton": N_("Pair"),
    "pairing": N_("Pairing…"),
    "charge": N_("Charge"),
    "clear": N_("Clear"),
    "scanToPay": N_("Scan to pay"),
    "waiting": N_("Waiting for the payer…"),
    "processing": N_("Processing…"),
    "paid": N_("Paid"),
    "canceled": N_("Canceled"),
    "declined": N_("Declined — the payer may try again"),
    "cancel": N_("Cancel"),
    "newSale": N_("New sale"),
    "offline": N_("Connection lost — the payment is kept; checking again…"),
    "disabled": N_("This terminal was disabled by the merchant."),
    "unpaired": N_("This terminal must be paired again."),
    "enterAmount": N_("Enter an amount"),
    "unpair": N_("Unpair this device"),
    "receipt": N_("Receipt"),
    "error": N_("Something went wrong"),
    "signNeedsHttps": N_("This browser can only sign requests on a secure (HTTPS) page."),
}


@router.get("/terminal")
def software_terminal(request: Request) -> Response:
    page = anonymous_page(request)
    text = {key: page.gettext(msgid) for key, msgid in TEXT.items()}
    context = {"text": text, "offline_after": get_settings().terminal_offline_after_seconds}
    response = page_response(page, "terminals/counter.html", context)
    new_presession = getattr(request.state, "new_presession", None)
    if new_presession:
        security.set_presession_cookie(response, new_presession)
    return response
