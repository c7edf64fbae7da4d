"""Password hashing with argon2id (argon2-cffi).

``standard`` is RFC 9106's low-memory profile (64 MiB, 3 passes), the library default. ``fast``
exists only so the test suite does not spend most of its time hashing; settings refuse it in
production.
"""

from __future__ import annotations

import secrets
from typing import Literal

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from app.errors import Problem

Profile = Literal["standard", "fast"]
MIN_LENGTH = 10
MAX_LENGTH = 200

_HASHERS: dict[Profile, PasswordHasher] = {
    "standard": PasswordHasher(),
    "fast": PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1),
}


class Passwords:
    """Hash, verify and (on login) upgrade password hashes."""

    def __init__(self, profile: Profile = "standard") -> None:
        self._hasher = _HASHERS[profile]
        # Compared against when the e-mail is unknown, so a miss takes as long as a hit.
        self._dummy = self._hasher.hash(secrets.token_urlsafe(16))

    def hash(self, password: str) -> str:
        return self._hasher.hash(password)

    def verify(self, password_hash: str | None, password: str) -> bool:
        try:
            return self._hasher.verify(password_hash or self._dummy, password) and bool(
                password_hash
            )
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False

    def needs_rehash(self, password_hash: str) -> bool:
        return self._hasher.check_needs_rehash(password_hash)


def generate_password() -> str:
    """A random password for the CLI: 20 URL-safe characters, about 120 bits."""
    return secrets.token_urlsafe(15)


def problem_with(password: str) -> Problem | None:
    """Why a new password is refused (a code and its limit; words at the edge), or None."""
    if len(password) < MIN_LENGTH:
        return Problem("password", code="PASSWORD_TOO_SHORT", params={"min": MIN_LENGTH})
    if len(password) > MAX_LENGTH:
        return Problem("password", code="PASSWORD_TOO_LONG", params={"max": MAX_LENGTH})
    return None
