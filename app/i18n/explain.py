"""The aggregation's codes in words: the maths returns codes (``Explanation``, ``InputProblem``),
this module words them in the current language, for templates, the API and the live screens.

The message ids are the Dutch sentences with ``{top}``, ``{tied}`` and ``{score}`` placeholders;
``results.js`` fills the same sentences (``explain_<code>`` in ``participant/_messages.html``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.aggregation.methods import METHODS, Explanation
from app.aggregation.profile import InputProblem
from app.i18n import current_language, gettext


def N_(message: str) -> str:  # noqa: N802 - the marker babel extracts
    return message


SENTENCES: dict[str, str] = {
    "only_value": N_("{top} is de enige waarde."),
    "no_ballots": N_("Er zijn nog geen stemmen; de volgorde is de vooraf getoonde loting."),
    "tiebreak": N_("{tied} staan gelijk; de vooraf getoonde loting zet {top} bovenaan."),
    "condorcet": N_("{top} wint in een-op-eenvergelijking van elke andere waarde."),
    "schulze_then_borda": N_(
        "Schulze kan {tied} niet scheiden; {top} staat gemiddeld het hoogst op de stembriefjes "
        "(Borda-score {score})."
    ),
    "schulze": N_(
        "{top} heeft de sterkste ketens van een-op-eenzeges: geen andere waarde verslaat {top} "
        "via een sterkere keten (Schulze)."
    ),
    "borda": N_("{top} staat gemiddeld het hoogst op de stembriefjes (Borda-score {score})."),
    "copeland": N_("{top} wint de meeste een-op-eenvergelijkingen (Copeland-score {score})."),
    "ranked_pairs": N_(
        "{top} wordt door geen enkele vastgezette een-op-eenzege verslagen, waarbij de grootste "
        "meerderheden eerst worden vastgezet (Ranked Pairs)."
    ),
    "irv": N_(
        "{top} houdt de meeste eerste voorkeuren over als de zwakste waarden een voor een "
        "afvallen (instant runoff)."
    ),
    "kemeny": N_(
        "De volgorde met {top} bovenaan wijkt het minst af van alle stembriefjes samen (Kemeny)."
    ),
    "approval": N_("{top} wordt door de meeste deelnemers genoemd ({score})."),
    "points": N_("{top} krijgt de meeste punten ({score})."),
    "seqphragmen": N_(
        "{top} wordt door de meeste deelnemers gesteund ({score}); de volgende waarden zijn "
        "gekozen om de vertegenwoordiging zo gelijk mogelijk te verdelen (Phragmén)."
    ),
    "equal_shares": N_(
        "{top} wordt door de meeste deelnemers gesteund ({score}); daarna besteden alle "
        "deelnemers een gelijk budget aan de waarden die zij steunen (gelijke delen)."
    ),
}
AND = N_("{rest} en {last}")


def number(value: float) -> str:
    """Whole numbers plain, else one decimal with the language's decimal sign."""
    if float(value).is_integer():
        return str(int(value))
    text = f"{value:.1f}"
    return text.replace(".", ",") if current_language() == "nl" else text


def listing(items: Sequence[str]) -> str:
    """'a, b en c' / 'a, b and c'."""
    if len(items) < 2:
        return "".join(items)
    return gettext(AND).format(rest=", ".join(items[:-1]), last=items[-1])


def explanation_text(explanation: Explanation, names: Mapping[str, str] | None = None) -> str:
    """The explanation as one sentence in the current language, values by their names."""
    name = dict(names or {})
    return gettext(SENTENCES[explanation.code]).format(
        top=name.get(explanation.top, explanation.top),
        tied=listing([name.get(v, v) for v in explanation.tied]),
        score="" if explanation.score is None else number(explanation.score),
    )


def explain(explanation: Explanation | Mapping[str, Any] | None, names: Mapping[str, str]) -> str:
    """For templates: the explanation as a dataclass or as its JSON shape; '' without one."""
    if explanation is None:
        return ""
    if not isinstance(explanation, Explanation):
        explanation = Explanation(
            code=explanation["code"],
            top=explanation["top"],
            tied=tuple(explanation.get("tied") or ()),
            score=explanation.get("score"),
        )
    return explanation_text(explanation, names)


PROBLEMS: dict[str, str] = {
    "unknown_method": N_("Onbekende methode {values}; kies uit {known}."),
    "no_candidates": N_("Geef minstens één kandidaat."),
    "duplicate_candidates": N_("Een kandidaat staat dubbel in de lijst."),
    "bad_tie_break_order": N_("De lotingsvolgorde moet elke kandidaat precies één keer noemen."),
    "too_many_for_kemeny": N_("Kemeny kan ten hoogste {limit} kandidaten aan."),
    "bad_seats": N_("Het aantal zetels moet tussen 1 en het aantal kandidaten liggen."),
    "bad_roles": N_("Geef precies één rol per stembriefje."),
    "equal_shares_needs_seats": N_("Gelijke delen heeft een aantal zetels nodig."),
    "wrong_ballot_kind": N_("Deze methode telt alleen stembriefjes met {values}."),
    "bad_weight": N_("Het gewicht moet een geheel getal van minstens 1 zijn."),
    "negative_points": N_("Punten kunnen niet negatief zijn."),
    "over_budget": N_("Meer punten dan het budget ({limit})."),
    "duplicate_in_ballot": N_("Een kandidaat staat dubbel op dit stembriefje."),
    "unknown_in_ballot": N_("Onbekende kandidaat: {values}."),
    "not_from_tally": N_("{values} kan niet uit een paarsgewijze telling worden berekend."),
}


def problem_text(problem: InputProblem) -> str:
    """One problem with the input as a sentence in the current language."""
    return gettext(PROBLEMS[problem.code]).format(
        values=", ".join(problem.values),
        limit="" if problem.limit is None else problem.limit,
        known=", ".join(METHODS),
    )
