"""``POST /api/v1/aggregate``: the engine for paper ballots, with every problem listed."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.aggregation.methods import METHODS

URL = "/api/v1/aggregate"
SCHULZE_45 = [
    (5, "ACBED"),
    (5, "ADECB"),
    (8, "BEDAC"),
    (3, "CABED"),
    (7, "CAEBD"),
    (2, "CBADE"),
    (7, "DCEBA"),
    (8, "EBADC"),
]


def _post(client: TestClient, **body: Any) -> Any:
    return client.post(URL, json=body)


class TestCounting:
    def test_the_45_voter_schulze_example(self, client: TestClient) -> None:
        response = _post(
            client,
            method="schulze",
            candidates=list("ABCDE"),
            ballots=[{"ranking": list(order), "weight": n} for n, order in SCHULZE_45],
            tie_break_order=list("ABCDE"),
        )
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["order"] == list("EACBD")
        assert body["n_ballots"] == 45
        assert body["pairwise_support"]["A"]["B"] == 20

    def test_schulze_ties_are_the_schulze_winners(self, client: TestClient) -> None:
        """Issue 16: v2 beats v1, every other pair is level; v0 and v2 win, v1 does not."""
        body = _post(
            client,
            method="schulze",
            candidates=["v0", "v1", "v2"],
            ballots=[{"ranking": ["v0", "v2"]}, {"ranking": ["v2", "v1"]}],
            tie_break_order=["v2", "v1", "v0"],
        ).json()
        assert body["weak_order"] == [["v2", "v0"], ["v1"]]
        assert body["decided_by"] == ["tiebreak", "schulze"]
        assert body["explanation"]["code"] == "tiebreak"
        assert body["explanation"]["text"] == (
            "v2 en v0 staan gelijk; de vooraf getoonde loting zet v2 bovenaan."
        )

    def test_the_explanation_in_english(self, client: TestClient) -> None:
        body = client.post(
            URL + "?lang=en",
            json={"method": "borda", "candidates": ["a", "b"], "ballots": [{"ranking": ["a"]}]},
        ).json()
        assert (
            body["explanation"]["text"] == "a is on average highest on the ballots (Borda score 1)."
        )

    def test_draws_and_returns_a_tie_break_order_when_none_is_given(
        self, client: TestClient
    ) -> None:
        body = _post(
            client, method="borda", candidates=["a", "b", "c"], ballots=[{"ranking": ["a"]}]
        ).json()
        assert sorted(body["tie_break_order"]) == ["a", "b", "c"]
        assert body["order"][0] == "a"
        assert body["decided_by"][1] == "tiebreak"

    @pytest.mark.parametrize("method", ["approval", "seqphragmen", "equal_shares"])
    def test_approval_ballots(self, client: TestClient, method: str) -> None:
        body = _post(
            client,
            method=method,
            candidates=["a", "b", "c"],
            ballots=[{"approve": ["a", "b"]}, {"approve": ["a"]}, {"approve": ["c"]}],
            seats=2,
            tie_break_order=["c", "b", "a"],
        ).json()
        assert body["committee"][0] == "a"

    def test_points_ballots(self, client: TestClient) -> None:
        body = _post(
            client,
            method="points",
            candidates=["a", "b"],
            ballots=[{"points": {"a": 60, "b": 40}}, {"points": {"b": 100}}],
            points_budget=100,
            tie_break_order=["a", "b"],
        ).json()
        assert body["scores"] == {"a": 60, "b": 140}
        assert body["order"] == ["b", "a"]

    def test_roles_fold_small_groups_into_overig(self, client: TestClient) -> None:
        ballots = [{"ranking": ["a", "b"]}] * 4 + [{"ranking": ["b", "a"]}] * 2
        body = _post(
            client,
            method="schulze_borda",
            candidates=["a", "b"],
            ballots=ballots,
            roles=["gemeente"] * 4 + ["inwoner"] * 2,
            tie_break_order=["a", "b"],
        ).json()
        assert set(body["by_role"]) == {"gemeente"}

    def test_every_method_is_served(self, client: TestClient) -> None:
        for method in METHODS:
            ballot = (
                {"approve": ["a"]}
                if method in ("approval", "seqphragmen", "equal_shares")
                else {"points": {"a": 1}}
                if method == "points"
                else {"ranking": ["a", "b"]}
            )
            response = _post(
                client,
                method=method,
                candidates=["a", "b"],
                ballots=[ballot],
                seats=1,
                tie_break_order=["b", "a"],
            )
            assert response.status_code == 200, (method, response.text)
            assert response.json()["order"][0] == "a", method


class TestBadInput:
    def test_lists_every_problem_at_once(self, client: TestClient) -> None:
        response = _post(
            client,
            method="kemeny",
            candidates=[f"v{i}" for i in range(13)] + ["v0"],
            ballots=[{"ranking": ["v1", "v1"]}, {"ranking": ["onbekend"]}],
            seats=20,
        )
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "VALIDATION_FAILED"
        messages = " | ".join(p["message"] for p in error["problems"])
        assert "Een kandidaat staat dubbel in de lijst." in messages
        assert "Kemeny kan ten hoogste 12 kandidaten aan." in messages
        assert "zetels" in messages
        locs = {p["loc"] for p in error["problems"]}
        assert {"ballots.0", "ballots.1"} <= locs

    def test_unknown_method(self, client: TestClient) -> None:
        response = _post(client, method="dictator", candidates=["a"], ballots=[])
        assert response.status_code == 422
        assert response.json()["error"]["problems"][0]["message"].startswith(
            "Onbekende methode dictator; kies uit schulze_borda, "
        )

    def test_problems_in_english(self, client: TestClient) -> None:
        response = client.post(
            URL + "?lang=en",
            json={"method": "borda", "candidates": ["a"], "ballots": [{"ranking": ["b"]}]},
        )
        assert response.status_code == 422
        [problem] = response.json()["error"]["problems"]
        assert (problem["loc"], problem["message"]) == ("ballots.0", "Unknown candidate: b.")

    def test_points_over_budget(self, client: TestClient) -> None:
        response = _post(
            client,
            method="points",
            candidates=["a", "b"],
            ballots=[{"points": {"a": 80, "b": 40}}],
            points_budget=100,
        )
        assert response.status_code == 422
        assert response.json()["error"]["problems"][0]["loc"] == "ballots.0"

    def test_a_ballot_of_no_known_kind(self, client: TestClient) -> None:
        response = _post(client, method="borda", candidates=["a"], ballots=[{"stem": ["a"]}])
        assert response.status_code == 422
        [problem] = response.json()["error"]["problems"]
        assert problem["loc"] == "ballots.0"
        assert "ranking, approve of points" in problem["message"]

    def test_empty_candidate_list(self, client: TestClient) -> None:
        response = _post(client, method="borda", candidates=[], ballots=[])
        assert response.status_code == 422
        problem = response.json()["error"]["problems"][0]["message"]
        assert problem == "Geef minstens één kandidaat."
