"""The card page with its verantwoording, the public link, print layouts, PDF and escaping.

What a reader of the card would notice: the numbers of the verantwoording explained, the
illustrative notice, the public link working without login only for published cards, and a
hostile principle showing as text everywhere.
"""

from __future__ import annotations

import io
import re

import pytest
from fastapi.testclient import TestClient
from pypdf import PdfReader
from sqlmodel import Session

from app.cards.models import Principekaart
from app.cards.schemas import AuditEntry
from tests.cards.factories import (
    DEFAULT_VALUES,
    CardValueSpec,
    long_values,
    make_draft_card,
    realistic_verantwoording,
)

PAGE = "/principekaarten"
API = "/api/v1/principekaarten"
BUILTIN = "principekaart-professionals-2024"
SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


@pytest.fixture
def draft(db: Session, demo_org_id: int) -> Principekaart:
    return make_draft_card(db, organisation_id=demo_org_id)


def _text(html: str) -> str:
    """The visible text of a page, tags dropped and spaces collapsed."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def _pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() or "" for page in reader.pages).split())


def _publish(client: TestClient, slug: str) -> str:
    answer = client.post(f"{API}/{slug}/publiceer")
    assert answer.status_code == 200, answer.text
    url: str = answer.json()["public_url"]
    return url


class TestVerantwoording:
    def test_shows_sessions_named_values_rule_method_and_agreement(
        self, client: TestClient, draft: Principekaart
    ) -> None:
        answer = client.get(f"{PAGE}/{draft.slug}")
        assert answer.status_code == 200
        text = _text(answer.text)
        assert "Verantwoording" in text
        assert "Wijkteam Noord 2026" in text
        assert "Waarden noemen waarden noemen 2 maart 2026 14" in text
        assert "Mevrouw De Vries wil thuis blijven wonen" in text
        assert "Menselijkheid: 11 deelnemers" in text
        assert "minstens 3 deelnemers haar noemden, met ten hoogste 3 waarden" in text
        assert "Schulze, gelijke standen via Borda" in text
        assert "wie vaker de voorkeur krijgt, komt hoger" in text
        assert "Kendall's W (overeenstemming) is 0,62" in text
        assert "redelijk eens over de volgorde" in text
        assert "Gemiddelde Kendall-afstand: 0,8" in text
        assert "Bij 3 waarden zijn er 3 paren" in text

    def test_explains_every_tie_and_the_audit_trail(
        self, client: TestClient, draft: Principekaart
    ) -> None:
        text = _text(client.get(f"{PAGE}/{draft.slug}").text)
        assert "stonden Billijkheid en Doeltreffendheid gelijk." in text
        assert "Er was plaats voor 1 waarde." in text
        assert "de facilitator besliste" in text
        assert "Gekozen: Billijkheid." in text
        assert "Reden: Billijkheid kwam in beide casussen terug." in text
        assert "Besluiten van de facilitator" in text
        assert "2 maart 2026: Gelijke stand beslist: Billijkheid gekozen." in text

    def test_a_stored_account_with_ids_and_timestamps_reads_as_plain_dutch(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        stored = realistic_verantwoording()
        stored.audit.append(
            AuditEntry(
                stage="principles",
                action="choose",
                values=["menselijkheid"],
                reason="kopprincipe 21, subprincipes 35, 36, 37",
                at="2026-12-04T17:50:51.445899+00:00",
            )
        )
        card = make_draft_card(db, organisation_id=demo_org_id, slug="oud", verantwoording=stored)
        text = _text(client.get(f"{PAGE}/{card.slug}").text)
        assert "2 maart 2026: Gelijke stand beslist" in text
        assert "kopprincipe 21" not in text
        assert "choose" not in text
        assert "2026-12-04" not in text

    def test_links_to_the_anonymous_ballots_of_the_traject(
        self, client: TestClient, draft: Principekaart
    ) -> None:
        assert 'href="/api/v1/trajects/7/ballots.csv"' in client.get(f"{PAGE}/{draft.slug}").text

    def test_no_ballots_link_without_a_traject(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        card = make_draft_card(
            db,
            organisation_id=demo_org_id,
            slug="zonder-traject",
            verantwoording=realistic_verantwoording(traject_id=None),
        )
        assert "ballots.csv" not in client.get(f"{PAGE}/{card.slug}").text

    def test_illustrative_card_says_so(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        verantwoording = realistic_verantwoording().model_copy(update={"illustrative": True})
        card = make_draft_card(
            db, organisation_id=demo_org_id, slug="naspel-2024", verantwoording=verantwoording
        )
        assert "gesimuleerde deelnemers, illustratief" in _text(
            client.get(f"{PAGE}/{card.slug}").text
        )
        assert "gesimuleerde deelnemers" not in client.get(f"{PAGE}/wijkteam-noord").text

    def test_builtin_card_keeps_its_process_text(self, client: TestClient) -> None:
        text = _text(client.get(f"{PAGE}/{BUILTIN}").text)
        assert "Hoe deze kaart is gemaakt" in text
        assert "Kendall" not in text

    def test_english_interface(self, client: TestClient, draft: Principekaart) -> None:
        text = _text(client.get(f"{PAGE}/{draft.slug}?lang=en").text)
        assert "Accountability" in text
        assert "Kendall's W (agreement) is 0.62" in text


class TestPublicLink:
    def test_published_card_is_readable_without_login_and_shows_a_qr_code(
        self, client: TestClient, draft: Principekaart
    ) -> None:
        url = _publish(client, draft.slug)
        page = client.get(f"{PAGE}/{draft.slug}").text
        assert url in page
        assert 'class="qr-code"' in page
        client.cookies.clear()
        public = client.get(url)
        assert public.status_code == 200
        assert "Ik zie eerst de mens achter de vraag." in public.text
        assert "Publiceren" not in public.text
        assert "ballots.csv" not in public.text

    def test_draft_and_unknown_tokens_are_not_found(
        self, client: TestClient, db: Session, draft: Principekaart
    ) -> None:
        draft.public_token = "een-concept-token"
        db.add(draft)
        db.commit()
        assert client.get("/k/een-concept-token").status_code == 404
        assert client.get("/k/bestaat-helemaal-niet").status_code == 404
        assert client.get(f"{PAGE}/{draft.slug}").text.count("qr-code") == 0

    def test_a_new_version_keeps_the_old_link_on_the_old_card(
        self, client: TestClient, draft: Principekaart
    ) -> None:
        url = _publish(client, draft.slug)
        client.post(f"{API}/{draft.slug}/nieuwe-versie").raise_for_status()
        client.patch(f"{API}/{draft.slug}-v2", json={"title": "Nieuw"}).raise_for_status()
        assert "Principekaart Wijkteam Noord" in client.get(url).text


class TestPrint:
    @pytest.mark.parametrize(("formaat", "body_class"), [("a4", "booklet"), ("a3", "poster")])
    def test_print_layouts(
        self, client: TestClient, draft: Principekaart, formaat: str, body_class: str
    ) -> None:
        _publish(client, draft.slug)
        answer = client.get(f"{PAGE}/{draft.slug}/afdruk?formaat={formaat}")
        assert answer.status_code == 200
        assert f'class="print {body_class}"' in answer.text
        assert "/static/css/card-print.css" in answer.text
        assert 'class="qr-code"' in answer.text
        assert ("Verantwoording" in answer.text) is (formaat == "a4")
        assert " style=" not in answer.text  # the CSP allows no inline style: sizes are classes
        assert re.search(r'class="sheet pt-\d+"', answer.text)

    def test_a_printed_draft_says_it_is_a_draft(
        self, client: TestClient, draft: Principekaart
    ) -> None:
        text = _text(client.get(f"{PAGE}/{draft.slug}/afdruk?formaat=a3").text)
        assert "Concept: deze kaart is nog niet gepubliceerd" in text
        _publish(client, draft.slug)
        text = _text(client.get(f"{PAGE}/{draft.slug}/afdruk?formaat=a3").text)
        assert "Concept" not in text

    def test_the_print_stylesheet_sets_a4_and_a3_pages(self, client: TestClient) -> None:
        css = client.get("/static/css/card-print.css").text
        assert "size: A4" in css
        assert "size: A3" in css

    def test_unknown_format_is_refused(self, client: TestClient, draft: Principekaart) -> None:
        assert client.get(f"{PAGE}/{draft.slug}/afdruk?formaat=a5").status_code == 422
        assert client.get(f"{PAGE}/{draft.slug}/kaart.pdf?formaat=letter").status_code == 422


class TestPdf:
    def test_a4_booklet_holds_the_card_and_the_verantwoording(
        self, client: TestClient, draft: Principekaart
    ) -> None:
        answer = client.get(f"{PAGE}/{draft.slug}/kaart.pdf?formaat=a4")
        assert answer.status_code == 200
        assert answer.headers["content-type"] == "application/pdf"
        reader = PdfReader(io.BytesIO(answer.content))
        width, height = (float(x) for x in reader.pages[0].mediabox.upper_right)
        assert (round(width), round(height)) == (595, 842)  # A4 in points
        text = _pdf_text(answer.content)
        assert "Ik zie eerst de mens achter de vraag." in text
        assert "Verantwoording" in text
        assert "Kendall's W (overeenstemming) is 0,62" in text

    def test_a3_poster_of_a_published_card(self, client: TestClient, draft: Principekaart) -> None:
        url = _publish(client, draft.slug)
        answer = client.get(f"{PAGE}/{draft.slug}/kaart.pdf?formaat=a3")
        reader = PdfReader(io.BytesIO(answer.content))
        width, height = (float(x) for x in reader.pages[0].mediabox.upper_right)
        assert (round(width), round(height)) == (842, 1191)  # A3 in points
        assert url.split("/k/")[1][:12] in _pdf_text(answer.content).replace(" ", "")
        client.cookies.clear()
        public = client.get(f"{url}/kaart.pdf?formaat=a3")
        assert public.status_code == 200
        assert public.content.startswith(b"%PDF")


def _pages(pdf: bytes) -> list[str]:
    return [
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages
    ]


class TestOneSheet:
    """The A3 poster is one sheet, whatever the card; the A4 booklet has the card on page 1."""

    @pytest.mark.parametrize("n", [3, 5, 7])
    def test_a3_poster_of_a_draft_with_long_principles_is_one_page(
        self, client: TestClient, db: Session, demo_org_id: int, n: int
    ) -> None:
        card = make_draft_card(
            db, organisation_id=demo_org_id, slug=f"lang-{n}", values=long_values(n)
        )
        pages = _pages(client.get(f"{PAGE}/{card.slug}/kaart.pdf?formaat=a3").content)
        assert len(pages) == 1
        assert "Concept: deze kaart is nog niet gepubliceerd" in pages[0]
        for spec in long_values(n):
            assert f"({spec.value})." in pages[0]  # every headline is on the sheet
        assert "punt 4." in pages[0]

    def test_a3_poster_of_a_published_card_holds_the_qr_code_on_the_same_page(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        card = make_draft_card(
            db, organisation_id=demo_org_id, slug="lang-5", values=long_values(5)
        )
        url = _publish(client, card.slug)
        answer = client.get(f"{PAGE}/{card.slug}/kaart.pdf?formaat=a3")
        pages = _pages(answer.content)
        assert len(pages) == 1
        assert "Scan de code" in pages[0]
        assert url.split("/k/")[1][:12] in pages[0].replace(" ", "")

    def test_the_2024_card_is_one_a3_page_with_title_values_and_source(
        self, client: TestClient
    ) -> None:
        pages = _pages(client.get(f"{PAGE}/{BUILTIN}/kaart.pdf?formaat=a3").content)
        assert len(pages) == 1
        assert "Principekaart Professionals (2024)" in pages[0]
        assert "Doeltreffendheid" in pages[0]
        assert "Argumentenfabriek" in pages[0]

    def test_a4_booklet_has_the_whole_card_on_page_one_and_the_verantwoording_after(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        card = make_draft_card(
            db, organisation_id=demo_org_id, slug="lang-7", values=long_values(7)
        )
        pages = _pages(client.get(f"{PAGE}/{card.slug}/kaart.pdf?formaat=a4").content)
        assert len(pages) >= 2
        assert "(saamhorigheid)." in pages[0]
        assert "Verantwoording" not in pages[0]
        assert "Verantwoording" in pages[1]


class TestEscaping:
    @pytest.fixture
    def hostile(self, db: Session, demo_org_id: int) -> Principekaart:
        spec = CardValueSpec("menselijkheid", SCRIPT, (IMG, "Ik luister."), quote="<b>vet</b> & zo")
        return make_draft_card(
            db,
            organisation_id=demo_org_id,
            slug="vijandig",
            title="Kaart <i>schuin</i>",
            values=(spec, *DEFAULT_VALUES[1:]),
        )

    def test_page_shows_markup_as_text(self, client: TestClient, hostile: Principekaart) -> None:
        for url in (f"{PAGE}/{hostile.slug}", f"{PAGE}/{hostile.slug}/afdruk?formaat=a3"):
            html = client.get(url).text
            assert SCRIPT not in html
            assert IMG not in html
            assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
            assert "&lt;img src=x onerror=alert(1)&gt;" in html
            assert "Kaart &lt;i&gt;schuin&lt;/i&gt;" in html

    def test_pdf_shows_markup_as_text(self, client: TestClient, hostile: Principekaart) -> None:
        text = _pdf_text(client.get(f"{PAGE}/{hostile.slug}/kaart.pdf?formaat=a4").content)
        unwrapped = text.replace(" ", "")  # a narrow tile may wrap a long "word"
        assert SCRIPT.replace(" ", "") in unwrapped
        assert IMG.replace(" ", "") in unwrapped
        assert "<b>vet</b> & zo" in text


class TestListAndTitles:
    def test_the_list_shows_drafts_and_published_versions_of_the_organisation(
        self, client: TestClient, draft: Principekaart
    ) -> None:
        _publish(client, draft.slug)
        client.post(f"{API}/{draft.slug}/nieuwe-versie").raise_for_status()
        answer = client.get(PAGE)
        assert answer.status_code == 200
        text = _text(answer.text)
        assert f'href="{PAGE}/{draft.slug}"' in answer.text
        assert f'href="{PAGE}/{draft.slug}-v2"' in answer.text
        assert "gepubliceerd op" in text
        assert "concept · versie 2" in text
        assert "Voorbeeldkaarten Principekaart Professionals (2024)" in text

    def test_an_organisation_without_cards_is_told_where_they_come_from(
        self, client: TestClient
    ) -> None:
        text = _text(client.get(PAGE).text)
        assert "Uw organisatie heeft nog geen eigen kaart" in text

    def test_a_year_in_the_title_is_not_repeated(
        self, client: TestClient, db: Session, demo_org_id: int
    ) -> None:
        card = make_draft_card(
            db,
            organisation_id=demo_org_id,
            slug="naspel",
            title="Principekaart Professionals (naspel 2024)",
        )
        for url in (f"{PAGE}/{card.slug}", f"{PAGE}/{card.slug}/afdruk?formaat=a3", PAGE):
            html = client.get(url).text
            assert "Principekaart Professionals (naspel 2024)" in html
            assert "(naspel 2024) (2026)" not in html

    def test_the_publication_date_is_written_as_people_write_it(
        self, client: TestClient, draft: Principekaart
    ) -> None:
        _publish(client, draft.slug)
        text = _text(client.get(f"{PAGE}/{draft.slug}").text)
        months = "januari|februari|maart|april|mei|juni|juli|augustus|september|oktober|november"
        assert re.search(rf"Gepubliceerd op \d{{1,2}} ({months}|december) 20\d\d\.", text)
