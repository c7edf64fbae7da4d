"""The ``denksessie`` command: serve, migrate, load content, move catalogues in and out."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
import uvicorn
from sqlalchemy.exc import SQLAlchemyError

from app import migrate as migrations
from app import privacy
from app.accounts import service as accounts
from app.accounts.models import Role
from app.accounts.passwords import Passwords, generate_password
from app.api.deps import LOGIN_COOKIE
from app.catalogue import service as catalogues
from app.config import Settings
from app.content import load_builtin_content
from app.db import build_engine, transaction
from app.demo import replay
from app.errors import DomainError, InvalidInput
from app.exchange import dump, format_from_filename, parse
from app.i18n.errors import error_text, problem_text
from app.network import reachable_address
from app.organisations import service as organisations
from app.serving import raise_open_file_limit, server_config
from app.tokens import setup_link_token

cli = typer.Typer(
    help="Denksessie: live denksessies over waarden.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _fail(exc: DomainError) -> None:
    sentence = error_text(
        exc.code,
        language="nl",
        reason=exc.reason,
        params=exc.params,
        message=exc.sentence,
        http_status=exc.http_status,
    )
    typer.secho(sentence, fg=typer.colors.RED, err=True)
    if isinstance(exc, InvalidInput):
        for problem in exc.problems:
            typer.echo(f"  - {problem.loc}: {problem_text(problem, language='nl')}", err=True)
    raise typer.Exit(code=1)


@cli.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Adres (standaard DENKSESSIE_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Poort (standaard DENKSESSIE_PORT)")] = None,
) -> None:
    """Start the web service."""
    settings = Settings()
    host = host or settings.host
    port = port or settings.port
    before, after = raise_open_file_limit()
    if after > before:
        typer.echo(f"Open bestanden: limiet verhoogd van {before} naar {after}.")
    typer.echo(f"Denksessie draait op http://{host}:{port}  (stoppen: Ctrl+C)")
    for line in how_to_log_in(settings, host, port):
        typer.secho(line, bold=True)
    from app.main import create_app

    config, _ = server_config(create_app(settings), settings, host=host, port=port)
    uvicorn.Server(config).run()


def how_to_log_in(settings: Settings, host: str, port: int) -> list[str]:
    """The lines ``serve`` prints: the first-run link while there is no account, otherwise
    where to log in and as whom. No password is ever known in advance (decision 0010)."""
    base = f"http://{reachable_address(host)}:{port}"
    engine = build_engine(settings)
    try:
        with transaction(engine) as db:
            owner = accounts.first_owner_email(db)
            has_users = accounts.has_users(db)
    except SQLAlchemyError:
        return [f"Log in op {base}/login (de database is nog niet bijgewerkt: denksessie migrate)"]
    finally:
        engine.dispose()
    if not has_users:
        token = setup_link_token(settings.secret_key)
        return [
            "Er is nog geen account. Maak het eerste account en de organisatie aan op:",
            f"  {base}/setup?token={token}",
            f"  (deze link werkt {settings.setup_link_hours} uur en tot er een account is; "
            "een nieuwe: denksessie setup-link)",
        ]
    who = f" als {owner}" if owner else ""
    return [
        f"Log in op {base}/login{who}",
        "  (wachtwoord kwijt: denksessie user reset-password E-MAILADRES)",
    ]


@cli.command("setup-link")
def setup_link(
    host: Annotated[str | None, typer.Option(help="Adres (standaard DENKSESSIE_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Poort (standaard DENKSESSIE_PORT)")] = None,
) -> None:
    """Print how to log in: the first-run link while there is no account yet."""
    settings = Settings()
    for line in how_to_log_in(settings, host or settings.host, port or settings.port):
        typer.echo(line)


@cli.command()
def migrate(
    revision: Annotated[str, typer.Argument(help="Doelrevisie")] = "head",
) -> None:
    """Apply database migrations (Alembic) up to REVISION."""
    settings = Settings()
    migrations.upgrade(settings, revision)
    typer.echo(f"Database bijgewerkt tot {revision}.")


@cli.command("load-content")
def load_content() -> None:
    """Load the built-in Waardenkaart, casussen and Principekaart (safe to run again)."""
    engine = build_engine(Settings())
    try:
        with transaction(engine) as db:
            report = load_builtin_content(db)
    except DomainError as exc:
        _fail(exc)
    finally:
        engine.dispose()
    typer.echo(
        f"Ingebouwde inhoud geladen: {report.values} waarden, {report.casussen} casussen, "
        f"{report.principekaarten} principekaart."
    )


@cli.command()
def purge() -> None:
    """Delete participant-level data past each organisation's retention (docs/privacy.md).

    The server does this every hour; this is for cron or a check by hand."""
    engine = build_engine(Settings())
    try:
        with transaction(engine) as db:
            purged = privacy.purge_expired(db).purged
    finally:
        engine.dispose()
    typer.echo(
        "Ruwe gegevens gewist van denksessie(s): " + ", ".join(map(str, purged))
        if purged
        else "Niets te wissen."
    )


@cli.command("export-catalogue")
def export_catalogue(
    slug: Annotated[str, typer.Argument(help="Slug van de catalogus")],
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Bestand (.json of .yaml); anders stdout")
    ] = None,
    organisation: Annotated[str, typer.Option(help="Organisatie-slug")] = "demo",
) -> None:
    """Write a catalogue as a JSON or YAML exchange document."""
    engine = build_engine(Settings())
    try:
        with transaction(engine) as db:
            org = organisations.get_by_slug(db, organisation)
            assert org.id is not None
            catalogue = catalogues.get_visible(db, slug=slug, organisation_id=org.id)
            document = catalogues.to_document(db, catalogue).model_dump(mode="json")
    except DomainError as exc:
        _fail(exc)
    finally:
        engine.dispose()
    text = dump(document, format_from_filename(output.name) if output else "json")
    if output:
        output.write_text(text, encoding="utf-8")
        typer.echo(f"Geschreven naar {output}.")
    else:
        typer.echo(text, nl=False)


@cli.command("import-catalogue")
def import_catalogue(
    path: Annotated[Path, typer.Argument(help="Bestand (.json, .yaml of .yml)", exists=True)],
    organisation: Annotated[str, typer.Option(help="Organisatie-slug")] = "demo",
) -> None:
    """Import a catalogue document; every problem is listed and nothing is stored on error."""
    engine = build_engine(Settings())
    try:
        raw = parse(path.read_text(encoding="utf-8"), format_from_filename(path.name))
        with transaction(engine) as db:
            org = organisations.get_by_slug(db, organisation)
            assert org.id is not None
            catalogue = catalogues.create_from_document(db, raw=raw, organisation_id=org.id)
            summary = catalogues.summary(db, catalogue)
    except DomainError as exc:
        _fail(exc)
    finally:
        engine.dispose()
    typer.echo(json.dumps(summary.model_dump(), ensure_ascii=False))


user_cli = typer.Typer(
    help="Facilitator accounts: create one, or give one a new password.", no_args_is_help=True
)
cli.add_typer(user_cli, name="user")

DEMO_EMAIL = "demo@denksessie.local"


def _passwords(settings: Settings) -> Passwords:
    return Passwords(settings.password_hashing)


@user_cli.command("create")
def user_create(
    email: Annotated[str, typer.Argument(help="E-mailadres (ook de inlognaam)")],
    organisation: Annotated[str, typer.Option(help="Organisatie-slug")] = "demo",
    role: Annotated[Role, typer.Option(help="owner, facilitator of viewer")] = "owner",
    name: Annotated[str | None, typer.Option(help="Naam (standaard het deel voor de @)")] = None,
) -> None:
    """Create an account with a random password (printed once) in an existing organisation."""
    settings = Settings()
    engine = build_engine(settings)
    password = generate_password()
    try:
        with transaction(engine) as db:
            org = organisations.get_by_slug(db, organisation)
            assert org.id is not None
            user = accounts.create_user(
                db,
                email=email,
                name=name or email.split("@")[0],
                password=password,
                passwords=_passwords(settings),
            )
            assert user.id is not None
            accounts.add_membership(db, user_id=user.id, organisation_id=org.id, role=role)
    except DomainError as exc:
        _fail(exc)
    finally:
        engine.dispose()
    typer.echo(f"Account {accounts.normalise_email(email)} aangemaakt ({role} bij {organisation}).")
    typer.echo(f"Wachtwoord: {password}")


@user_cli.command("reset-password")
def user_reset_password(
    email: Annotated[str, typer.Argument(help="E-mailadres van het account")],
) -> None:
    """Give an account a new random password (printed once); all its logins end."""
    settings = Settings()
    engine = build_engine(settings)
    try:
        with transaction(engine) as db:
            password = accounts.reset_password(db, email=email, passwords=_passwords(settings))
    except DomainError as exc:
        _fail(exc)
    finally:
        engine.dispose()
    typer.echo(f"Nieuw wachtwoord voor {accounts.normalise_email(email)}: {password}")


@user_cli.command("demo")
def user_demo() -> None:
    """The demo organisation's owner (demo@denksessie.local) with a random password, printed
    once; there is no known password (decision 0010)."""
    settings = Settings()
    engine = build_engine(settings)
    password = generate_password()
    try:
        with transaction(engine) as db:
            demo = organisations.ensure_demo(db)
            assert demo.id is not None
            existing = accounts.get_by_email(db, DEMO_EMAIL)
            user = existing or accounts.create_user(
                db,
                email=DEMO_EMAIL,
                name="Demo-facilitator",
                password=password,
                passwords=_passwords(settings),
            )
            assert user.id is not None
            accounts.add_membership(db, user_id=user.id, organisation_id=demo.id, role="owner")
    except DomainError as exc:
        _fail(exc)
    finally:
        engine.dispose()
    if existing is not None:
        typer.echo(
            f"Het demo-account {DEMO_EMAIL} bestaat al "
            f"(nieuw wachtwoord: denksessie user reset-password {DEMO_EMAIL})."
        )
        return
    typer.echo(f"Demo-account {DEMO_EMAIL} aangemaakt (eigenaar van demo).")
    typer.echo(f"Wachtwoord: {password}")


demo_cli = typer.Typer(help="Demonstrations against a running server.", no_args_is_help=True)
cli.add_typer(demo_cli, name="demo")


@demo_cli.command("traject")
def demo_traject(
    url: Annotated[
        str, typer.Option(help="Adres van de draaiende server")
    ] = "http://127.0.0.1:8000",
    email: Annotated[str, typer.Option(help="Account waarvoor het naspel draait")] = DEMO_EMAIL,
) -> None:
    """Replay the 2024 traject (illustrative, simulated participants) through the server's
    real HTTP and websocket API; prints where the draft card is. Uses the server's database
    (same settings) to log in as EMAIL."""
    engine = build_engine(Settings())
    try:
        result = replay.run_as(engine, url, email, LOGIN_COOKIE)
    except (DomainError, replay.ReplayError) as exc:
        typer.secho(f"Het naspel liep vast: {exc}", fg=typer.colors.RED, err=True)
        raise typer.Exit(code=1) from exc
    finally:
        engine.dispose()
    typer.echo(json.dumps(asdict(result), ensure_ascii=False))
    typer.echo(f"Kaart (concept): {url.rstrip('/')}{result.card_url}")


bench_cli = typer.Typer(
    help="Load benchmarks against 127.0.0.1 (from a source checkout; they print JSON).",
    no_args_is_help=True,
)
cli.add_typer(bench_cli, name="bench")
_PASS_THROUGH = {"allow_extra_args": True, "ignore_unknown_options": True, "help_option_names": []}


def _bench_module(name: str) -> Any:
    """``bench/`` is not installed with the package: import it from the checkout."""
    import importlib
    import sys

    root = Path(__file__).resolve().parent.parent
    if not (root / "bench" / f"{name}.py").exists():
        typer.secho("bench/ not found: run this from a source checkout", fg="red", err=True)
        raise typer.Exit(code=2)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    return importlib.import_module(f"bench.{name}")


@bench_cli.command("swarm", context_settings=_PASS_THROUGH)
def bench_swarm(ctx: typer.Context) -> None:
    """N phones over the real protocol (options: bench swarm --help).

    With ``--target`` and no ``--database-url``, the configured database (DENKSESSIE_DATABASE_URL)
    is the deployment's: the bench makes its facilitator login there."""
    args = list(ctx.args)
    if "--target" in args and "--database-url" not in args:
        args += ["--database-url", Settings().database_url]
    _bench_module("swarm").main(args)


@bench_cli.command("storm", context_settings=_PASS_THROUGH)
def bench_storm(ctx: typer.Context) -> None:
    """kill -9 a worker mid-round; time phones back and check ballots (options: bench storm
    --help). It starts its own servers (SQLite, or --database postgres --workers 2)."""
    _bench_module("storm").main(list(ctx.args))


@bench_cli.command("baseline", context_settings=_PASS_THROUGH)
def bench_baseline(ctx: typer.Context) -> None:
    """Bare FastAPI and raw-socket floors (options: bench baseline --help)."""
    module = _bench_module("baseline")
    import sys

    sys.argv = ["baseline", *ctx.args]
    module.main()


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
