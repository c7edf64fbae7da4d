"""Principekaart pages: the card with its verantwoording, print layouts, PDF, public link, and
the comparison page.

The public link ``/k/{token}`` needs no login: it shows only published cards, and leaves out
what belongs to the organisation (edit buttons, the link to the ballots).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.api.deps import DbSession, OptionalLogin, ReaderOrganisationId
from app.api.intervisie_pages import context_for_card
from app.api.pages import TEMPLATES_DIR, _qr_svg, render
from app.cards import compare, layout, service
from app.cards.models import Principekaart
from app.cards.schemas import PrincipekaartPublic
from app.db import DbSession as DomainDb

router = APIRouter(include_in_schema=False)

STATIC_DIR = TEMPLATES_DIR.parent / "static"
PRINT_STYLESHEETS = (STATIC_DIR / "css" / "site.css", STATIC_DIR / "css" / "card-print.css")
Format = Literal["a4", "a3"]
Slug = Annotated[str, Path(min_length=1, max_length=80)]
Token = Annotated[str, Path(min_length=1, max_length=64)]
FormatQuery = Annotated[Format, Query()]
PickQuery = Annotated[str | None, Query(max_length=80)]
BUILTIN_CARD = "principekaart-professionals-2024"


def _absolute(request: Request, path: str) -> str:
    return str(request.base_url).rstrip("/") + path


def _context(
    request: Request, db: DomainDb, card: Principekaart, *, public: bool
) -> dict[str, object]:
    """What every card view shows: the card, value names for the verantwoording, the QR."""
    view = service.to_public(db, card)
    public_link = _absolute(request, view.public_url) if view.public_url else None
    editable = not public and not view.builtin and view.status == "draft"
    on_card = {value.value for value in view.values}
    catalogue = service.catalogue_of(db, card)
    return {
        "card": view,
        "editable": editable,
        "addable": [
            (cluster.name, cluster.group, [v for v in cluster.values if v.key not in on_card])
            for cluster in (catalogue.clusters if editable else [])
        ],
        "coverage": compare.coverage(view, catalogue),
        "catalogue_total": sum(len(cluster.values) for cluster in catalogue.clusters),
        "verantwoording": view.verantwoording,
        "names": service.value_names(db, card),
        "public": public,
        "public_link": public_link,
        "qr_svg": _qr_svg(public_link) if public_link else None,
    }


@router.get("/principekaarten")
def list_page(
    request: Request, db: DbSession, organisation_id: ReaderOrganisationId
) -> HTMLResponse:
    """The organisation's own cards (drafts and every published version), then the examples."""
    cards = [
        service.to_public(db, c) for c in service.list_visible(db, organisation_id=organisation_id)
    ]
    return render(
        request,
        "cards/list.html",
        own=[c for c in cards if not c.builtin],
        builtin=[c for c in cards if c.builtin],
    )


@router.get("/principekaarten/vergelijk")
def compare_page(
    request: Request,
    db: DbSession,
    organisation_id: ReaderOrganisationId,
    a: PickQuery = None,
    b: PickQuery = None,
) -> HTMLResponse:
    """Two cards side by side (default: the newest own card against the 2024 card)."""
    cards = [
        service.to_public(db, c) for c in service.list_visible(db, organisation_id=organisation_id)
    ]
    own = [c for c in cards if not c.builtin]
    slug_a = a or (own[-1].slug if own else BUILTIN_CARD)
    slug_b = b or BUILTIN_CARD
    card_a = service.get_visible(db, slug=slug_a, organisation_id=organisation_id)
    card_b = service.get_visible(db, slug=slug_b, organisation_id=organisation_id)
    public_a, public_b = service.to_public(db, card_a), service.to_public(db, card_b)
    return render(
        request,
        "cards/compare.html",
        cards=cards,
        a=public_a,
        b=public_b,
        comparison=compare.compare_cards(public_a, public_b),
        onderbelicht=[
            compare.onderbelicht(public_a, service.catalogue_of(db, card_a)),
            *(
                [compare.onderbelicht(public_b, service.catalogue_of(db, card_b))]
                if slug_b != slug_a
                else []
            ),
        ],
    )


@router.get("/principekaarten/{slug}")
def principekaart_page(
    request: Request,
    db: DbSession,
    organisation_id: ReaderOrganisationId,
    login: OptionalLogin,
    slug: Slug,
) -> HTMLResponse:
    card = service.get_visible(db, slug=slug, organisation_id=organisation_id)
    return render(
        request,
        "cards/card.html",
        **_context(request, db, card, public=False),
        **context_for_card(db, card, login),
    )


@router.get("/principekaarten/{slug}/afdruk")
def print_page(
    request: Request,
    db: DbSession,
    organisation_id: ReaderOrganisationId,
    slug: Slug,
    formaat: FormatQuery = "a4",
) -> HTMLResponse:
    """The print layout in the browser: an A4 booklet or an A3 poster (CSS @page)."""
    card = service.get_visible(db, slug=slug, organisation_id=organisation_id)
    context = _context(request, db, card, public=False)
    view = context["card"]
    assert isinstance(view, PrincipekaartPublic)
    return render(
        request,
        "cards/print.html",
        formaat=formaat,
        for_pdf=False,
        sheet_only=False,
        sheet_pt=layout.estimate(view, formaat),
        sheet_columns=layout.columns(len(view.values), formaat),
        **context,
    )


@router.get("/principekaarten/{slug}/kaart.pdf")
def pdf(
    request: Request,
    db: DbSession,
    organisation_id: ReaderOrganisationId,
    slug: Slug,
    formaat: FormatQuery = "a4",
) -> Response:
    card = service.get_visible(db, slug=slug, organisation_id=organisation_id)
    return _pdf_response(request, db, card, formaat=formaat, public=False)


@router.get("/k/{token}")
def public_page(request: Request, db: DbSession, token: Token) -> HTMLResponse:
    """The public read-only card: what an inwoner sees after scanning the poster's QR code."""
    card = service.get_published_by_token(db, token=token)
    return render(request, "cards/card.html", **_context(request, db, card, public=True))


@router.get("/k/{token}/kaart.pdf")
def public_pdf(
    request: Request, db: DbSession, token: Token, formaat: FormatQuery = "a4"
) -> Response:
    card = service.get_published_by_token(db, token=token)
    return _pdf_response(request, db, card, formaat=formaat, public=True)


def _pdf_response(
    request: Request, db: DomainDb, card: Principekaart, *, formaat: Format, public: bool
) -> Response:
    """Render the print layout with WeasyPrint. It fetches nothing: the stylesheets are read
    from disk and the QR code is inline, so a card text cannot make the server load a URL.

    The card's sheet is first rendered alone at a few sizes to find the largest that fits on one
    page (``layout.fit``), so the poster is one A3 sheet and the booklet's card is page 1."""
    from weasyprint import CSS, HTML  # type: ignore[import-untyped]  # heavy: load on first PDF
    from weasyprint.urls import URLFetcher  # type: ignore[import-untyped]

    context = _context(request, db, card, public=public)
    view = context["card"]
    assert isinstance(view, PrincipekaartPublic)
    fetcher = URLFetcher(allowed_protocols=("data",))
    stylesheets = [CSS(filename=str(path), url_fetcher=fetcher) for path in PRINT_STYLESHEETS]

    def document(size: float, *, sheet_only: bool) -> Any:
        html = render(
            request,
            "cards/print.html",
            formaat=formaat,
            for_pdf=True,
            sheet_only=sheet_only,
            sheet_pt=size,
            sheet_columns=layout.columns(len(view.values), formaat),
            **context,
        ).body
        page = HTML(string=bytes(html).decode("utf-8"), url_fetcher=fetcher)
        return page.render(stylesheets=stylesheets)

    size = layout.fit(
        lambda size: len(document(size, sheet_only=True).pages),
        formaat=formaat,
        guess=layout.estimate(view, formaat),
    )
    pdf_bytes: bytes = document(size, sheet_only=False).write_pdf()
    filename = f"{view.slug}-{formaat}.pdf"
    return Response(
        pdf_bytes,
        media_type="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}"'},
    )
