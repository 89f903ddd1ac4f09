"""The demo world, part 4: two FinTech sandbox experiments (live mode, where the sandbox applies).

The campus shop runs an active experiment ("campus instalments") with the demo consumer as a
participant, a few payments booked and some refused by its limits, an incident and a complaint;
the clinic's "medical bill instalments" waits under review with a question asked and answered.
Everything goes through the services (the guard refuses what it should); a re-run adds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from digiplus.core.context import Caller
from digiplus.identity.models import Organization
from digiplus.payments.qr import merchant_qr
from digiplus.payments.service import banks, merchants, paying, topups, wallets
from digiplus.sandbox.models import Experiment
from digiplus.sandbox.service import experiments, supervision


@dataclass
class DemoSandbox:
    created: bool
    active: str | None = None
    under_review: str | None = None
    refused: int = 0


def _live_shop(session: Session, org: Organization, mcc: str) -> str:
    caller = Caller.system(org.id, True)
    if merchants.profile_of(session, org.id, True) is None:
        bank = banks.create_bank_account(
            session,
            caller,
            bank_code="004",
            account_number="123456789012",
            holder_name=org.name[:40],
            currency_code="TWD",
        )
        merchants.upsert_profile(
            session, caller, display_name=org.name[:25], city="Taipei", mcc=mcc, bank_account_id=bank.id
        )
    return merchant_qr(merchant_id=org.id, merchant_name=org.name[:25], merchant_city="Taipei", mcc=mcc)


def _application(
    title: str, description: str, per_tx: int, per_participant: int, total: int
) -> experiments.Application:
    return experiments.Application(
        title=title,
        description=description,
        period_months=6,
        limit_per_transaction=per_tx,
        limit_per_participant=per_participant,
        limit_total_exposure=total,
        limit_participants=200,
        risk_controls="Per-payment and per-student caps; daily exposure review; instalments stop at the first missed one.",
        disclosure_text=(
            "本服務為金融科技創新實驗，消費者保護與一般服務不同。 This service is a FinTech sandbox experiment; "
            "your protections differ from a regular service and the experiment may end early."
        ),
    )


def build_demo_sandbox(session: Session, orgs: dict[str, Organization]) -> DemoSandbox:
    campus, clinic, consumer, operator = orgs["campus"], orgs["clinic"], orgs["consumer"], orgs["operator"]
    exists = session.scalars(select(Experiment.id).where(Experiment.org_id == campus.id)).first()
    if exists is not None:
        return DemoSandbox(created=False)
    agency = Caller.system(operator.id, True)
    applicant = Caller.system(campus.id, True)
    qr = _live_shop(session, campus, "5943")
    active = experiments.create_experiment(
        session,
        applicant,
        _application(
            "校園分期 · Campus instalments",
            "Students pay textbooks in three instalments.",
            800_00,
            2_000_00,
            500_000_00,
        ),
    )
    experiments.submit(session, applicant, active.id)
    experiments.start_review(session, agency, active.id)
    experiments.approve(
        session, agency, active.id, "Monthly report to the agency; no student pays more than TWD 2,000."
    )
    experiments.activate(session, applicant, active.id)

    payer = Caller.system(consumer.id, True)
    wallet = wallets.create_wallet(session, payer, "TWD")
    bank = banks.create_bank_account(
        session, payer, bank_code="812", account_number="000123456789", holder_name="Chen Yi-chun", currency_code="TWD"
    )
    topups.top_up(session, payer, wallet.id, bank_account_id=bank.id, amount=5_000_00)
    refused = 0

    def pay(amount: int) -> None:
        nonlocal refused
        attempt = paying.pay_from_wallet(
            session, payer, wallet.id, qr_payload=qr, payment_intent=None, amount=amount, fx_quote=None
        )
        refused += attempt.declined is not None

    pay(450_00)  # refused: the disclosure is not accepted yet
    supervision.accept_disclosure(session, payer, active.id)
    for amount in (450_00, 380_00, 760_00):
        pay(amount)
    pay(900_00)  # refused: over the per-transaction limit (800.00)
    pay(500_00)  # refused: over the per-participant limit (1,590.00 used of 2,000.00)
    supervision.file_report(
        session,
        applicant,
        active.id,
        kind="incident",
        summary="The instalment schedule e-mail went out a day late.",
        severity="low",
    )
    supervision.file_report(
        session,
        payer,
        active.id,
        kind="complaint",
        summary="The second instalment date was not clear.",
        severity="medium",
    )

    review_applicant = Caller.system(clinic.id, True)
    review = experiments.create_experiment(
        session,
        review_applicant,
        _application(
            "醫療分期 · Medical bill instalments",
            "Patients pay larger clinic bills in instalments.",
            5_000_00,
            20_000_00,
            2_000_000_00,
        ),
    )
    experiments.submit(session, review_applicant, review.id)
    experiments.start_review(session, agency, review.id)
    experiments.ask_question(session, agency, review.id, "How do you confirm a patient can afford the instalments?")
    experiments.answer(
        session, review_applicant, review.id, "An affordability check against the wallet's last 3 months."
    )
    return DemoSandbox(created=True, active=active.id, under_review=review.id, refused=refused)
