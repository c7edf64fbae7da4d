"""What may stand next to a participant's answers: a pseudonym and a folded role, never a name.

A pseudonym is an HMAC-SHA256 of the participant id, keyed with the server's secret key and
bound to one denksessie (docs/decisions/0009-pseudonyms-and-role-folding.md): the same in
every download of that denksessie (its JSON export and a traject's CSV), meaningless outside
it, and not computable from the participant id the console shows without the secret key.

A role is shown only for a group of at least ``MIN_ROLE_SIZE`` people; everyone else is
``"overig"``. When "overig" itself would hold only one or two people, the smallest shown
group is folded in too, until "overig" is empty or has at least ``MIN_ROLE_SIZE``: otherwise
"overig" (or a blank) would point at the one person whose rare role everyone in the room knows.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections import Counter
from collections.abc import Hashable, Mapping
from typing import TypeVar

from app.aggregation.methods import MIN_ROLE_SIZE, OTHER_ROLE

K = TypeVar("K", bound=Hashable)

_PSEUDONYM_CONTEXT = b"denksessie-pseudonym/1"
PSEUDONYM_LENGTH = 10  # base32 characters: 50 bits, no collision to expect among 5,000 people


def pseudonym(secret_key: str, *, denksessie_id: int, participant_id: str) -> str:
    """A stable label for one participant of one denksessie, e.g. ``"p-k3j5q2xw7a"``."""
    message = b"\x00".join(
        (_PSEUDONYM_CONTEXT, str(denksessie_id).encode(), participant_id.encode())
    )
    digest = hmac.new(secret_key.encode(), message, hashlib.sha256).digest()
    return "p-" + base64.b32encode(digest).decode().lower()[:PSEUDONYM_LENGTH]


def role_labels(roles: Mapping[K, str | None]) -> dict[K, str | None]:
    """The role to show for each person: their own when its group is large enough, else
    ``"overig"``; ``None`` for everyone when nobody has a role (the denksessie asked none).

    Folding is by group size only, then by name for equal sizes, so it is deterministic.
    """
    if not any(roles.values()):
        return dict.fromkeys(roles)
    sizes = Counter(role for role in roles.values() if role and role != OTHER_ROLE)
    shown = {role for role, size in sizes.items() if size >= MIN_ROLE_SIZE}

    def others() -> int:
        return sum(1 for role in roles.values() if role not in shown)

    while shown and 0 < others() < MIN_ROLE_SIZE:
        shown.remove(min(shown, key=lambda role: (sizes[role], role)))
    return {key: role if role in shown else OTHER_ROLE for key, role in roles.items()}
