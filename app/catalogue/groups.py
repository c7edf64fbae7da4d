"""The three cluster groups of the Waardenkaart.

They are fixed: every catalogue, the built-in one and an organisation's own, sorts its clusters
into these groups, so a card can always be coloured the way the Waardenkaart colours it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClusterGroup:
    key: str
    name_nl: str
    name_en: str
    colour: str  # background colour used on cards; text on it stays dark for AA contrast


GROUPS: tuple[ClusterGroup, ...] = (
    ClusterGroup("ideeel", "Ideëel", "Ideal", "#f6d5c7"),
    ClusterGroup("sociaal", "Sociaal", "Social", "#cfe3f3"),
    ClusterGroup("praktisch", "Praktisch", "Practical", "#d9ecd0"),
)
GROUP_KEYS = tuple(group.key for group in GROUPS)
GROUPS_BY_KEY = {group.key: group for group in GROUPS}
