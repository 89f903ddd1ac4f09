"""Alliance pages: the list (with the viewer's pending invitations), an alliance with its members
and its data chain drawn as a graph (suppliers → datasets → users), and for its admins the
invitations. Public alliances are open to anonymous visitors; private ones answer 404 to
non-members, as the service decides."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Form, Path, Request
from pydantic import ValidationError
from sqlalchemy.orm import Session
from starlette.responses import Response

from digiplus.core.api.deps import SessionDep
from digiplus.core.context import Caller
from digiplus.core.errors import DigiplusError
from digiplus.data.models_alliances import Alliance, AllianceInvitation
from digiplus.data.pages.common import MEMBER_ROLES, Labels, absolute, respond, viewer, writer
from digiplus.data.schemas_alliances import AllianceCreate, InvitationCreate
from digiplus.data.service import alliances as service
from digiplus.data.service.access import member_alliance_ids
from digiplus.web.deps import CallerDep, CsrfDep, OptionalPageDep, PageDep
from digiplus.web.errors import invalid_field, page_router
from digiplus.web.i18n import N_
from digiplus.web.shell import PageContext, redirect

router = page_router()
AllianceId = Annotated[str, Path(max_length=64, pattern=r"^all_[A-Za-z0-9]+$")]
InvitationId = Annotated[str, Path(max_length=64, pattern=r"^alli_[A-Za-z0-9]+$")]
SECTION = "data-alliances"


def chain_spec(chain: dict[str, Any], labels: Labels, texts: dict[str, str]) -> dict[str, Any]:
    """A Vega-Lite spec drawing the data chain in three columns: the orgs that supply, their
    datasets, the orgs that use them (an org that does both appears on both sides)."""
    nodes = {n["id"]: n for n in chain["nodes"]}

    def label(node_id: str) -> str:
        node = nodes.get(node_id, {})
        text = node.get("label", {})
        name = labels.pick(text.get("zh-TW", ""), text.get("en", ""))
        return name if len(name) <= 28 else name[:27] + "…"

    datasets = [n["id"] for n in chain["nodes"] if n["kind"] == "dataset"]
    suppliers = sorted({e["source"] for e in chain["edges"] if e["kind"] == "supplies"})
    users = sorted({e["target"] for e in chain["edges"] if e["kind"] == "uses"})
    members = [n["id"] for n in chain["nodes"] if n["kind"] == "org" and n["id"] not in suppliers + users]
    columns = [(0, suppliers + members, texts["supplier"]), (1, datasets, texts["dataset"]), (2, users, texts["user"])]
    points: list[dict[str, Any]] = []
    where: dict[tuple[int, str], tuple[float, float]] = {}
    rows = max([len(ids) for _, ids, _ in columns] + [1])
    for col, ids, kind in columns:
        for i, node_id in enumerate(ids):
            y = (i + 0.5) * rows / max(len(ids), 1)
            where[(col, node_id)] = (col, y)
            points.append({"x": col, "y": y, "label": label(node_id), "kind": kind, "id": node_id})
    lines: list[dict[str, Any]] = []
    for e in chain["edges"]:
        a, b = ((0, e["source"]), (1, e["target"])) if e["kind"] == "supplies" else ((1, e["source"]), (2, e["target"]))
        if a in where and b in where:
            (x1, y1), (x2, y2) = where[a], where[b]
            lines.append(
                {"x": x1, "y": y1, "x2": x2, "y2": y2, "edge": texts[e["kind"]], "purpose": e.get("purpose") or ""}
            )
    x_scale = {"domain": [-0.15, 2.6]}
    y_scale = {"domain": [rows, 0]}
    axis_off = {"axis": None}
    return {
        "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
        "width": "container",
        "height": max(180, 46 * rows),
        "config": {"view": {"stroke": None}},
        "layer": [
            {
                "data": {"values": lines},
                "mark": {"type": "rule", "strokeWidth": 1.5, "opacity": 0.55},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", "scale": x_scale, **axis_off},
                    "y": {"field": "y", "type": "quantitative", "scale": y_scale, **axis_off},
                    "x2": {"field": "x2"},
                    "y2": {"field": "y2"},
                    "color": {
                        "field": "edge",
                        "type": "nominal",
                        "title": None,
                        "legend": {"orient": "bottom"},
                        "scale": {"range": ["#1f5f8b", "#e8890c"]},
                    },
                    "tooltip": [{"field": "edge"}, {"field": "purpose"}],
                },
            },
            {
                "data": {"values": points},
                "mark": {"type": "point", "filled": True, "size": 140},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", "scale": x_scale, **axis_off},
                    "y": {"field": "y", "type": "quantitative", "scale": y_scale, **axis_off},
                    "shape": {"field": "kind", "type": "nominal", "title": None, "legend": {"orient": "bottom"}},
                    "tooltip": [{"field": "label"}, {"field": "kind"}],
                },
            },
            {
                "data": {"values": points},
                "mark": {"type": "text", "align": "left", "dx": 9, "fontSize": 12},
                "encoding": {
                    "x": {"field": "x", "type": "quantitative", "scale": x_scale, **axis_off},
                    "y": {"field": "y", "type": "quantitative", "scale": y_scale, **axis_off},
                    "text": {"field": "label"},
                },
            },
        ],
    }


@router.get("/data/alliances")
def alliances_page(request: Request, session: SessionDep, page: OptionalPageDep) -> Response:
    view = viewer(request, page)
    view.section = SECTION
    caller = view.caller
    listed = list(session.scalars(service.alliances_query(session, caller).order_by(Alliance.id.desc())))
    invitations: list[tuple[AllianceInvitation, Any]] = []
    if caller is not None:
        invitations = list(session.execute(service.invitations_query(session, caller, status="pending")).all())
    return respond(
        view,
        "data/alliances.html",
        {
            "alliances": listed,
            "counts": service.member_counts(session, [a.id for a in listed]),
            "mine": set(member_alliance_ids(session, caller)),
            "invitations": invitations,
            "roles": MEMBER_ROLES,
            "canonical": absolute("/data/alliances"),
            "description": view.gettext(
                N_("Industrial data alliances of agencies, associations, data suppliers and users.")
            ),
            "error": "",
            "values": {},
        },
    )


@router.post("/data/alliances")
def create_alliance(
    request: Request,
    session: SessionDep,
    page: PageDep,
    _csrf: CsrfDep,
    name_zh: Annotated[str, Form(max_length=200)] = "",
    name_en: Annotated[str, Form(max_length=200)] = "",
    purpose_zh: Annotated[str, Form(max_length=5000)] = "",
    purpose_en: Annotated[str, Form(max_length=5000)] = "",
    listing: Annotated[str, Form(max_length=10)] = "public",
    role: Annotated[str, Form(max_length=20)] = "data_supplier",
) -> Response:
    caller = writer(page)
    values = {"name_zh": name_zh, "name_en": name_en, "purpose_zh": purpose_zh, "purpose_en": purpose_en}
    del request
    try:
        body = AllianceCreate.model_validate(values | {"listing": listing, "role": role})
        with session.begin_nested():
            alliance = service.create_alliance(session, caller, body)
    except (ValidationError, DigiplusError) as exc:
        field = invalid_field(exc) if isinstance(exc, ValidationError) else (exc.param or "")
        message = page.gettext(N_("Please check the field “%(field)s”."), field=field or "name_zh")
        return redirect(page, "/data/alliances", flash=message, kind="error")
    return redirect(page, f"/data/alliances/{alliance.id}", flash=N_("Alliance founded: you are its first admin."))


def _detail(page: PageContext, session: Session, alliance_id: str, *, error: str = "", status: int = 200) -> Response:
    page.section = SECTION
    caller = page.caller
    alliance = service.get_alliance(session, caller, alliance_id)
    members = list(session.execute(service.members_query(session, caller, alliance.id)).all())
    chain = service.data_chain(session, caller, alliance.id)
    admin = caller is not None and any(m.org_id == caller.org_id and m.admin for m, _ in members)
    pending = (
        [
            tuple(r)
            for r in session.execute(
                service.invitations_query(session, caller, alliance_id=alliance.id, status="pending")
            )
        ]
        if admin and caller is not None
        else []
    )
    labels = Labels(page.locale)
    texts = {
        "supplier": page.gettext(N_("supplier")),
        "dataset": page.gettext(N_("dataset")),
        "user": page.gettext(N_("user")),
        "supplies": page.gettext(N_("supplies")),
        "uses": page.gettext(N_("uses")),
    }
    node_names = {n["id"]: labels.pick(n["label"].get("zh-TW", ""), n["label"].get("en", "")) for n in chain["nodes"]}
    return respond(
        page,
        "data/alliance.html",
        {
            "a": alliance,
            "members": members,
            "chain": chain,
            "node_names": node_names,
            "chain_spec": chain_spec(chain, labels, texts) if chain["edges"] else None,
            "admin": admin,
            "pending": pending,
            "roles": MEMBER_ROLES,
            "error": error,
            "canonical": absolute(f"/data/alliances/{alliance.id}"),
            "description": labels.pick(alliance.description_zh, alliance.description_en)
            or labels.pick(alliance.purpose_zh, alliance.purpose_en),
            "noindex": alliance.listing != "public" or not alliance.livemode,
        },
        status_code=status,
    )


@router.get("/data/alliances/{alliance_id}")
def alliance_page(request: Request, alliance_id: AllianceId, session: SessionDep, page: OptionalPageDep) -> Response:
    return _detail(viewer(request, page), session, alliance_id)


@router.post("/data/alliances/{alliance_id}/invitations")
def invite(
    alliance_id: AllianceId,
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    _csrf: CsrfDep,
    org: Annotated[str, Form(max_length=64)] = "",
    role: Annotated[str, Form(max_length=20)] = "data_user",
    message: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    try:
        body = InvitationCreate.model_validate({"org": org.strip(), "role": role, "message": message})
        with session.begin_nested():
            service.invite(session, caller, alliance_id, body)
    except (ValidationError, DigiplusError) as exc:
        if isinstance(exc, ValidationError):
            text = page.gettext(N_("Please check the field “%(field)s”."), field=invalid_field(exc))
        else:
            text = page.gettext(exc.message)
        return _detail(page, session, alliance_id, error=text, status=422)
    return redirect(page, f"/data/alliances/{alliance_id}", flash=N_("Invitation sent."))


def _respond_invitation(session: Session, caller: Caller, invitation_id: str, action: str) -> str:
    if action == "accept":
        return service.accept_invitation(session, caller, invitation_id).alliance_id
    if action == "decline":
        return service.decline_invitation(session, caller, invitation_id).alliance_id
    return service.revoke_invitation(session, caller, invitation_id).alliance_id


@router.post("/data/invitations/{invitation_id}/{action}")
def answer_invitation(
    invitation_id: InvitationId,
    action: Annotated[str, Path(pattern="^(accept|decline|revoke)$")],
    session: SessionDep,
    page: PageDep,
    caller: CallerDep,
    _csrf: CsrfDep,
) -> Response:
    alliance_id = _respond_invitation(session, caller, invitation_id, action)
    flashes = {
        "accept": N_("You joined the alliance."),
        "decline": N_("Invitation declined."),
        "revoke": N_("Invitation withdrawn."),
    }
    target = f"/data/alliances/{alliance_id}" if action != "decline" else "/data/alliances"
    return redirect(page, target, flash=flashes[action])
