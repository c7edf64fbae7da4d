"""The ``denksessie`` command: serve, migrate, load content, move catalogues in and out."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
import uvicorn

from app import migrate as migrations
from app.catalogue import service as catalogues
from app.config import Settings
from app.content import load_builtin_content
from app.db import build_engine, transaction
from app.errors import DomainError, InvalidInput
from app.exchange import dump, format_from_filename, parse
from app.organisations import service as organisations

cli = typer.Typer(
    help="Denksessie: live denksessies over waarden.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)


def _fail(exc: DomainError) -> None:
    typer.secho(exc.message, fg=typer.colors.RED, err=True)
    if isinstance(exc, InvalidInput):
        for problem in exc.problems:
            typer.echo(f"  - {problem.loc}: {problem.message}", err=True)
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
    typer.echo(f"Denksessie draait op http://{host}:{port}  (stoppen: Ctrl+C)")
    from app.main import create_app

    uvicorn.run(
        create_app(settings),
        host=host,
        port=port,
        log_level=settings.log_level,
        proxy_headers=True,
        forwarded_allow_ips=settings.forwarded_allow_ips,
    )


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


def main() -> None:
    cli()


if __name__ == "__main__":
    main()
