"""Intervisie with a Principekaart: the form that starts one from a published card, and the
result page "Kaart en zaal" (decision 0034, app/cards/intervisie.py).

The form posts natively with the login's ``csrf_token``. The anonymisation checklist is
enforced by the domain (``intervisie.check``); a refused form comes back with what was typed,
the boxes as they were ticked and each problem next to its field. The name and date hints are
shown after a refused post and live while typing (``static/js/intervisie.js``); they never
refuse anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.accounts import service as accounts
from app.accounts.service import Login
from app.api.deps import CurrentLogin, DbSession, OrganisationId, PathId
from app.api.errors import domain_error_text, language_of
from app.api.pages import NO_STORE, render
from app.cards import intervisie
from app.cards import service as cards
from app.cards.models import Principekaart
from app.errors import DomainError, InvalidInput, Rejected
from app.i18n.errors import problem_text
from app.sessions import service as sessions

router = APIRouter(include_in_schema=False)

FIELDS = ("title", "situation", "decision_question", "checklist")
FormText = Annotated[str, Form()]


def _writer(login: CurrentLogin) -> Login:
    """Owners and facilitators start an intervisie; a viewer only reads (403)."""
    if not accounts.may(login.role, "facilitator"):
        raise Rejected("FORBIDDEN", reason="VIEWER", http_status=403)
    return login


WriterLogin = Annotated[Login, Depends(_writer)]


@dataclass
class IntervisieForm:
    title: str = ""
    situation: str = ""
    decision_question: str = ""
    checklist: list[str] = field(default_factory=list)

    def raw(self) -> dict[str, object]:
        return {
            "title": self.title.strip(),
            "situation": self.situation.strip(),
            "decision_question": self.decision_question.strip(),
            "checklist": [item for item in self.checklist if item in intervisie.CHECKLIST],
        }


def _typed_form(
    title: FormText = "",
    situation: FormText = "",
    decision_question: FormText = "",
    checklist: Annotated[list[str], Form()] = [],  # noqa: B006 (FastAPI copies it)
) -> IntervisieForm:
    """The posted fields as typed; limits are checked by the domain so a refused form keeps
    everything (the body limit caps the whole post)."""
    return IntervisieForm(title, situation, decision_question, checklist[:10])


TypedForm = Annotated[IntervisieForm, Depends(_typed_form)]


def _startable(db: DbSession, slug: str, organisation_id: int) -> Principekaart:
    """A published card the organisation may read: its own, or a built-in one."""
    card = cards.get_visible(db, slug=slug, organisation_id=organisation_id)
    if card.status != "published":
        raise Rejected("CARD_NOT_PUBLISHED", reason="INTERVISIE")
    return card


def _form_page(
    request: Request,
    db: DbSession,
    card: Principekaart,
    form: IntervisieForm,
    *,
    refusal: tuple[str, dict[str, list[str]]] | None = None,
    status: int = 200,
) -> HTMLResponse:
    text = f"{form.title}\n{form.situation}\n{form.decision_question}"
    response = render(
        request,
        "cards/intervisie_form.html",
        card=cards.to_public(db, card),
        form=form,
        checklist=intervisie.CHECKLIST,
        refusal=refusal,
        hints=intervisie.privacy_hints(text) if refusal else [],
    )
    response.status_code = status
    response.headers.update(NO_STORE)
    return response


def _refusal(request: Request, exc: DomainError) -> tuple[str, dict[str, list[str]]]:
    by_field: dict[str, list[str]] = {}
    language = language_of(request)
    for problem in exc.problems if isinstance(exc, InvalidInput) else []:
        name = problem.loc.split(".")[0]
        key = problem.loc if name == "checklist" else (name if name in FIELDS else "")
        by_field.setdefault(key, []).append(problem_text(problem, language=language))
    return domain_error_text(request, exc), by_field


@router.get("/principekaarten/{slug}/intervisie")
def intervisie_form(request: Request, db: DbSession, login: WriterLogin, slug: str) -> Response:
    card = _startable(db, slug, login.organisation_id)
    return _form_page(request, db, card, IntervisieForm())


@router.post("/principekaarten/{slug}/intervisie")
def start_intervisie(
    request: Request, db: DbSession, login: WriterLogin, slug: str, form: TypedForm
) -> Response:
    card = _startable(db, slug, login.organisation_id)
    try:
        with db.begin_nested():  # a refusal writes nothing, the login stays usable
            denksessie = intervisie.start(
                db,
                card=card,
                organisation_id=login.organisation_id,
                data=intervisie.validated(form.raw()),
            )
    except InvalidInput as exc:
        return _form_page(request, db, card, form, refusal=_refusal(request, exc), status=422)
    return RedirectResponse(f"/console/{denksessie.id}", status_code=303)


@router.get("/console/{denksessie_id}/kaart-en-zaal")
def kaart_en_zaal(
    request: Request, db: DbSession, organisation_id: OrganisationId, denksessie_id: PathId
) -> Response:
    """The room's choices next to the card; readable by every member (viewers too)."""
    denksessie = sessions.get_for_organisation(
        db, denksessie_id=denksessie_id, organisation_id=organisation_id
    )
    card = intervisie.card_of(db, denksessie)
    comparison = intervisie.compare(db, denksessie=denksessie, card=card)
    response = render(
        request,
        "cards/kaart_en_zaal.html",
        denksessie=denksessie,
        card=cards.to_public(db, card),
        names=cards.value_names(db, card),
        comparison=comparison,
        reflections=intervisie.reflections(db, denksessie=denksessie),
    )
    response.headers.update(NO_STORE)
    return response


def context_for_card(db: DbSession, card: Principekaart, login: Login | None) -> dict[str, Any]:
    """What the card page shows about intervisies: whether this login may start one, and the
    organisation's intervisies with this card."""
    if login is None:
        return {"can_start_intervisie": False, "intervisies": []}
    return {
        "can_start_intervisie": card.status == "published"
        and accounts.may(login.role, "facilitator"),
        "intervisies": intervisie.of_card(db, card=card, organisation_id=login.organisation_id),
    }
