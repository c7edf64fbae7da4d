"""HTML pages: the Waardenkaart, the casus library and the 2024 Principekaart, in two languages."""

from __future__ import annotations

from fastapi.testclient import TestClient

HTML = {"Accept": "text/html"}


class TestWaardenkaartPage:
    def test_shows_every_value_and_opvatting(self, client: TestClient) -> None:
        response = client.get("/waardenkaart", headers=HTML)
        assert response.status_code == 200
        assert response.url.path == "/catalogi/waardenkaart-sociaal-domein"
        html = response.text
        assert html.count('class="value"') == 25
        assert "Zelfbeschikking" in html
        assert "Doeltreffendheid" in html
        assert "‘Mensen mogen zijn wie ze zijn, met al hun eigenaardigheden.’" in html
        assert html.count("group-ideeel") >= 4

    def test_names_the_source(self, client: TestClient) -> None:
        html = client.get("/catalogi/waardenkaart-sociaal-domein", headers=HTML).text
        assert "<cite>Werken vanuit waarden in het sociaal domein</cite>" in html
        assert "De Argumentenfabriek" in html


class TestCasusPages:
    def test_lists_the_library_and_opens_a_casus(self, client: TestClient) -> None:
        html = client.get("/casussen", headers=HTML).text
        assert "Angela wil thuis blijven wonen" in html
        casus_id = client.get("/api/v1/casussen").json()[0]["id"]
        detail = client.get(f"/casussen/{casus_id}", headers=HTML)
        assert detail.status_code == 200
        assert "wel of niet toe?" in detail.text

    def test_user_text_is_escaped(self, client: TestClient) -> None:
        created = client.post(
            "/api/v1/casussen",
            json={
                "title": "<script>alert(1)</script>",
                "situation": '<img src=x onerror="alert(2)">',
                "decision_question": "Ken je het wel of niet toe?",
                "domain": "Wmo 2015",
            },
        ).json()
        html = client.get(f"/casussen/{created['id']}", headers=HTML).text
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert "<img src=x" not in html

    def test_unknown_casus_shows_an_html_404(self, client: TestClient) -> None:
        response = client.get("/casussen/999999", headers=HTML)
        assert response.status_code == 404
        assert response.headers["content-type"].startswith("text/html")
        assert "Casus 999999 bestaat niet." in response.text


class TestPrincipekaartPage:
    def test_shows_the_five_values_in_order(self, client: TestClient) -> None:
        html = client.get("/principekaarten/principekaart-professionals-2024", headers=HTML).text
        positions = [
            html.index(f">{name}</a>")
            for name in (
                "Menselijkheid",
                "Zelfbeschikking",
                "Verantwoordelijkheid",
                "Billijkheid",
                "Doeltreffendheid",
            )
        ]
        assert positions == sorted(positions)
        assert "Ik zorg dat mensen zich gezien, gehoord en geholpen voelen" in html


class TestLanguages:
    def test_dutch_by_default(self, client: TestClient) -> None:
        html = client.get("/", headers=HTML).text
        assert '<html lang="nl">' in html
        assert "Casusbibliotheek" in html

    def test_english_on_request_and_remembered(self, client: TestClient) -> None:
        first = client.get("/?lang=en", headers=HTML)
        assert '<html lang="en">' in first.text
        assert "Case library" in first.text
        assert "Casusbibliotheek" not in first.text
        assert first.cookies.get("lang") == "en"
        later = client.get("/casussen", headers=HTML)
        assert "Case library" in later.text

    def test_plural_forms(self, client: TestClient) -> None:
        assert "fictieve casussen" in client.get("/?lang=nl", headers=HTML).text
        assert "fictional cases" in client.get("/?lang=en", headers=HTML).text
