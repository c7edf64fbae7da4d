"""Accounts, memberships, login sessions and invitations.

Tokens handed to a browser (login cookie, invitation link) are 32 random bytes; only their
SHA-256 is stored. Every lookup by token therefore is a lookup by hash, and a database copy
cannot be replayed.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import text, update
from sqlmodel import col, delete, func, select

from app.accounts.models import ROLES, Invitation, LoginSession, Membership, Role, UserAccount
from app.accounts.passwords import MIN_LENGTH, Passwords, generate_password, problem_with
from app.db import DbSession
from app.errors import Conflict, InvalidInput, NotFound, Problem, Rejected
from app.organisations.models import Organisation, utcnow
from app.tokens import ClientToken

EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s]{1,189}\.[^@\s]{2,}$")
# Higher ranks include the rights of lower ones.
RANK: dict[str, int] = {"viewer": 0, "facilitator": 1, "owner": 2}


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def role_of(value: str) -> Role:
    for role in ROLES:
        if value == role:
            return role
    raise ValueError(f"unknown role {value!r}")


def may(role: Role, needed: Role) -> bool:
    """Whether ``role`` has at least the rights of ``needed``."""
    return RANK[role] >= RANK[needed]


def _as_aware(moment: datetime) -> datetime:
    """SQLite returns naive datetimes; they were written as UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=utcnow().tzinfo)


# --- users ------------------------------------------------------------------------------------


def has_users(db: DbSession) -> bool:
    return db.exec(select(func.count()).select_from(UserAccount)).one() > 0


def first_owner_email(db: DbSession) -> str | None:
    """The e-mail address of the oldest owner account (what ``denksessie serve`` prints)."""
    return db.exec(
        select(UserAccount.email)
        .join(Membership, col(Membership.user_id) == col(UserAccount.id))
        .where(Membership.role == "owner")
        .order_by(col(UserAccount.created_at), col(UserAccount.id))
    ).first()


def get_by_email(db: DbSession, email: str) -> UserAccount | None:
    return db.exec(select(UserAccount).where(UserAccount.email == normalise_email(email))).first()


def check_new_account(*, email: str, name: str, password: str) -> list[Problem]:
    """Every problem with a new account's fields at once, so a form shows them all."""
    problems = []
    if not EMAIL.match(normalise_email(email)):
        problems.append(Problem("email", code="INVALID_EMAIL"))
    if not name.strip() or len(name.strip()) > 120:
        problems.append(Problem("name", code="NAME_REQUIRED", params={"max": 120}))
    password_problem = problem_with(password)
    if password_problem:
        problems.append(password_problem)
    return problems


def create_user(
    db: DbSession, *, email: str, name: str, password: str, passwords: Passwords
) -> UserAccount:
    problems = check_new_account(email=email, name=name, password=password)
    if problems:
        raise InvalidInput(reason="ACCOUNT", problems=problems)
    if get_by_email(db, email) is not None:
        raise Conflict(reason="ACCOUNT_EXISTS")
    user = UserAccount(
        email=normalise_email(email), name=name.strip(), password_hash=passwords.hash(password)
    )
    db.add(user)
    db.flush()
    return user


def add_membership(db: DbSession, *, user_id: int, organisation_id: int, role: Role) -> Membership:
    existing = db.exec(
        select(Membership).where(
            Membership.user_id == user_id, Membership.organisation_id == organisation_id
        )
    ).first()
    if existing is not None:
        existing.role = role
        db.add(existing)
        db.flush()
        return existing
    membership = Membership(user_id=user_id, organisation_id=organisation_id, role=role)
    db.add(membership)
    db.flush()
    return membership


def memberships_of(db: DbSession, user_id: int) -> list[tuple[Organisation, Role]]:
    rows = db.exec(
        select(Organisation, Membership)
        .join(Membership, col(Membership.organisation_id) == col(Organisation.id))
        .where(Membership.user_id == user_id)
        .order_by(col(Organisation.name))
    ).all()
    return [(organisation, role_of(membership.role)) for organisation, membership in rows]


def authenticate(
    db: DbSession, *, email: str, password: str, passwords: Passwords
) -> UserAccount | None:
    """The user whose password this is, or None; a hash made with weaker settings is renewed."""
    user = get_by_email(db, email)
    if not passwords.verify(user.password_hash if user else None, password) or user is None:
        return None
    if passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash(password)
        db.add(user)
    return user


def reset_password(db: DbSession, *, email: str, passwords: Passwords) -> str:
    """Give the account a new random password and end all its logins; returns the password."""
    user = get_by_email(db, email)
    if user is None:
        raise NotFound(reason="ACCOUNT", params={"email": normalise_email(email)})
    password = generate_password()
    user.password_hash = passwords.hash(password)
    db.add(user)
    db.exec(delete(LoginSession).where(col(LoginSession.user_id) == user.id))
    db.flush()
    return password


# --- login sessions ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Login:
    """Who a request comes from and which organisation it acts for."""

    session: LoginSession
    user: UserAccount
    organisation: Organisation
    role: Role
    memberships: list[tuple[Organisation, Role]]

    @property
    def organisation_id(self) -> int:
        assert self.organisation.id is not None
        return self.organisation.id


def start_login(
    db: DbSession, *, user: UserAccount, lifetime: timedelta, organisation_id: int | None = None
) -> str:
    """Open a login session for ``user``; returns the token for the cookie (stored hashed)."""
    assert user.id is not None
    memberships = memberships_of(db, user.id)
    if not memberships:
        raise Rejected("NO_ORGANISATION", http_status=403)
    chosen = next(
        (org for org, _role in memberships if org.id == organisation_id), memberships[0][0]
    )
    assert chosen.id is not None
    token = new_token()
    db.add(
        LoginSession(
            token_hash=token_hash(token),
            user_id=user.id,
            organisation_id=chosen.id,
            csrf_token=new_token(),
            expires_at=utcnow() + lifetime,
        )
    )
    db.flush()
    return token


def resolve_login(db: DbSession, token: str) -> Login | None:
    """The live login behind a cookie token; an expired one is deleted and gives None."""
    session = db.exec(
        select(LoginSession).where(LoginSession.token_hash == token_hash(token))
    ).first()
    if session is None:
        return None
    if _as_aware(session.expires_at) <= utcnow():
        db.delete(session)
        db.flush()
        return None
    user = db.get(UserAccount, session.user_id)
    if user is None:
        return None
    memberships = memberships_of(db, session.user_id)
    current = next(
        ((org, role) for org, role in memberships if org.id == session.organisation_id), None
    )
    if current is None:  # removed from the organisation this login acted for
        if not memberships:
            return None
        current = memberships[0]
        assert current[0].id is not None
        session.organisation_id = current[0].id
        db.add(session)
        db.flush()
    return Login(session, user, current[0], current[1], memberships)


def login_may(db: DbSession, *, login_session_id: int, organisation_id: int, needed: Role) -> bool:
    """Whether a staff token handed out under this login still holds: the login exists and has
    not expired, and its user is a member of ``organisation_id`` with at least ``needed``.
    Logging out, a password reset, removing the member or lowering their role all end it."""
    row = db.exec(
        select(LoginSession.expires_at, Membership.role)
        .join(
            Membership,
            (col(Membership.user_id) == col(LoginSession.user_id))
            & (col(Membership.organisation_id) == organisation_id),
        )
        .where(LoginSession.id == login_session_id)
    ).first()
    if row is None:
        return False
    expires_at, role = row
    return _as_aware(expires_at) > utcnow() and may(role_of(role), needed)


def staff_token_holds(db: DbSession, token: ClientToken, organisation_id: int) -> bool:
    """Whether a facilitator, viewer or screen token still holds for a denksessie of
    ``organisation_id``: a facilitator's needs the facilitator role, the others any
    membership. Participant tokens are not staff tokens (False)."""
    if not token.is_staff or token.login_session_id is None:
        return False
    needed: Role = "facilitator" if token.grant == "facilitator" else "viewer"
    return login_may(
        db,
        login_session_id=token.login_session_id,
        organisation_id=organisation_id,
        needed=needed,
    )


def end_login(db: DbSession, token: str) -> None:
    db.exec(delete(LoginSession).where(col(LoginSession.token_hash) == token_hash(token)))
    db.flush()


def switch_organisation(db: DbSession, *, login: Login, organisation_id: int) -> Organisation:
    """Let this login act for another organisation the user belongs to (404 otherwise)."""
    for organisation, _role in login.memberships:
        if organisation.id == organisation_id:
            login.session.organisation_id = organisation_id
            db.add(login.session)
            db.flush()
            return organisation
    raise NotFound(reason="ORGANISATION")


# --- members and invitations ------------------------------------------------------------------


@dataclass(frozen=True)
class Member:
    user_id: int
    name: str
    email: str
    role: Role


def members(db: DbSession, organisation_id: int) -> list[Member]:
    rows = db.exec(
        select(UserAccount, Membership)
        .join(Membership, col(Membership.user_id) == col(UserAccount.id))
        .where(Membership.organisation_id == organisation_id)
        .order_by(col(UserAccount.name))
    ).all()
    return [
        Member(user.id or 0, user.name, user.email, role_of(membership.role))
        for user, membership in rows
    ]


def _owners(db: DbSession, organisation_id: int) -> int:
    return db.exec(
        select(func.count())
        .select_from(Membership)
        .where(Membership.organisation_id == organisation_id, Membership.role == "owner")
    ).one()


def _membership(db: DbSession, *, organisation_id: int, user_id: int) -> Membership:
    membership = db.exec(
        select(Membership).where(
            Membership.organisation_id == organisation_id, Membership.user_id == user_id
        )
    ).first()
    if membership is None:
        raise NotFound(reason="MEMBER")
    return membership


def change_role(db: DbSession, *, organisation_id: int, user_id: int, role: Role) -> None:
    membership = _membership(db, organisation_id=organisation_id, user_id=user_id)
    if membership.role == "owner" and role != "owner" and _owners(db, organisation_id) <= 1:
        raise Rejected("LAST_OWNER")
    membership.role = role
    db.add(membership)
    db.flush()


def remove_member(db: DbSession, *, organisation_id: int, user_id: int) -> None:
    membership = _membership(db, organisation_id=organisation_id, user_id=user_id)
    if membership.role == "owner" and _owners(db, organisation_id) <= 1:
        raise Rejected("LAST_OWNER")
    db.delete(membership)
    db.exec(
        delete(LoginSession).where(
            col(LoginSession.user_id) == user_id,
            col(LoginSession.organisation_id) == organisation_id,
        )
    )
    db.flush()


def create_invitation(
    db: DbSession,
    *,
    organisation_id: int,
    email: str,
    role: Role,
    invited_by: int | None,
    lifetime: timedelta,
) -> str:
    """A one-time invitation; returns the token for the link (only its hash is stored)."""
    if not EMAIL.match(normalise_email(email)):
        raise InvalidInput(reason="INVITATION", problems=[Problem("email", code="INVALID_EMAIL")])
    token = new_token()
    db.add(
        Invitation(
            token_hash=token_hash(token),
            organisation_id=organisation_id,
            email=normalise_email(email),
            role=role,
            invited_by=invited_by,
            expires_at=utcnow() + lifetime,
        )
    )
    db.flush()
    return token


def open_invitations(db: DbSession, organisation_id: int) -> list[Invitation]:
    rows = db.exec(
        select(Invitation)
        .where(
            Invitation.organisation_id == organisation_id,
            col(Invitation.accepted_at).is_(None),
        )
        .order_by(col(Invitation.created_at))
    ).all()
    return [row for row in rows if _as_aware(row.expires_at) > utcnow()]


def revoke_invitation(db: DbSession, *, organisation_id: int, invitation_id: int) -> None:
    invitation = db.get(Invitation, invitation_id)
    if invitation is None or invitation.organisation_id != organisation_id:
        raise NotFound(reason="INVITATION")
    db.delete(invitation)
    db.flush()


def invitation_by_token(db: DbSession, token: str) -> Invitation:
    """The open invitation behind a link; used, expired or unknown links are all 'gone'."""
    invitation = db.exec(
        select(Invitation).where(Invitation.token_hash == token_hash(token))
    ).first()
    if (
        invitation is None
        or invitation.accepted_at is not None
        or _as_aware(invitation.expires_at) <= utcnow()
    ):
        raise NotFound(reason="INVITATION_GONE")
    return invitation


def accept_invitation(
    db: DbSession, *, token: str, name: str, password: str, passwords: Passwords
) -> UserAccount:
    """Accept once: a new account gets the name and password; an existing account proves
    itself with its password. Everything is checked before the first write, which claims the
    invitation atomically: of two accepts at once, one wins and the other gets 409."""
    invitation = invitation_by_token(db, token)
    user = get_by_email(db, invitation.email)
    if user is None:
        problems = check_new_account(email=invitation.email, name=name, password=password)
        if problems:
            raise InvalidInput(reason="ACCOUNT", problems=problems)
    elif not passwords.verify(user.password_hash, password):
        # The same words whether or not the address has an account, as on the login form.
        raise InvalidInput(
            reason="INVITATION_REFUSED",
            problems=[Problem("password", code="WRONG_PASSWORD", params={"min": MIN_LENGTH})],
        )
    claimed = db.execute(
        update(Invitation)
        .where(col(Invitation.id) == invitation.id, col(Invitation.accepted_at).is_(None))
        .values(accepted_at=utcnow())
        .returning(col(Invitation.id))
    ).first()
    if claimed is None:
        raise Conflict(reason="INVITATION_USED")
    if user is None:
        # A concurrent accept of another invitation for the same address may have made it.
        user = get_by_email(db, invitation.email) or create_user(
            db, email=invitation.email, name=name, password=password, passwords=passwords
        )
    assert user.id is not None
    add_membership(
        db,
        user_id=user.id,
        organisation_id=invitation.organisation_id,
        role=role_of(invitation.role),
    )
    db.flush()
    return user


_FIRST_RUN_LOCK = 0x64656E6B  # "denk": the advisory lock key of the first-run setup


def lock_first_run(db: DbSession) -> None:
    """Serialise first-run setups, so that of several at once only the first makes an owner:
    the caller checks ``has_users`` after this. PostgreSQL: a transaction-scoped advisory lock.
    SQLite: a write statement as the transaction's first, which takes the database's single
    write lock (the driver starts its transaction at the first write) until commit."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _FIRST_RUN_LOCK})
    else:
        db.execute(update(UserAccount).where(text("0 = 1")).values(name=col(UserAccount.name)))


def organisation_slug(db: DbSession, name: str) -> str:
    """A free slug for a new organisation's name ("Gemeente Utrecht" -> "gemeente-utrecht")."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50] or "organisatie"
    slug, number = base, 1
    while db.exec(select(Organisation).where(Organisation.slug == slug)).first() is not None:
        number += 1
        slug = f"{base}-{number}"
    return slug


def create_organisation_with_owner(
    db: DbSession,
    *,
    organisation_name: str,
    email: str,
    name: str,
    password: str,
    passwords: Passwords,
) -> UserAccount:
    """The first run: an organisation and its owner together, all or nothing."""
    problems = check_new_account(email=email, name=name, password=password)
    if not organisation_name.strip() or len(organisation_name.strip()) > 200:
        problems.insert(
            0, Problem("organisation", code="ORGANISATION_NAME_REQUIRED", params={"max": 200})
        )
    if problems:
        raise InvalidInput(reason="SETUP", problems=problems)
    organisation = Organisation(
        slug=organisation_slug(db, organisation_name), name=organisation_name.strip()
    )
    db.add(organisation)
    db.flush()
    user = create_user(db, email=email, name=name, password=password, passwords=passwords)
    assert user.id is not None
    assert organisation.id is not None
    add_membership(db, user_id=user.id, organisation_id=organisation.id, role="owner")
    return user
