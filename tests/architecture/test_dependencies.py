"""Dependencies point one way: api/realtime -> domain -> db/errors/events (STYLE.md)."""

from __future__ import annotations

import ast
from pathlib import Path

APP = Path(__file__).resolve().parents[2] / "app"
WEB_FRAMEWORKS = ("fastapi", "starlette", "uvicorn")
EDGE_PACKAGES = {"api", "realtime"}
ENTRY_MODULES = {"main.py", "cli.py", "security.py", "body_limit.py", "serving.py"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _domain_modules() -> list[Path]:
    modules = []
    for path in APP.rglob("*.py"):
        relative = path.relative_to(APP)
        if relative.parts[0] in EDGE_PACKAGES or str(relative) in ENTRY_MODULES:
            continue
        modules.append(path)
    return modules


class TestLayering:
    def test_domain_never_imports_the_web_framework(self) -> None:
        offenders = [
            f"{path.relative_to(APP)} imports {name}"
            for path in _domain_modules()
            for name in _imports(path)
            if name.split(".")[0] in WEB_FRAMEWORKS
        ]
        assert offenders == []

    def test_domain_never_imports_the_edges(self) -> None:
        offenders = [
            f"{path.relative_to(APP)} imports {name}"
            for path in _domain_modules()
            for name in _imports(path)
            if name.startswith(("app.api", "app.realtime", "app.main", "app.cli"))
        ]
        assert offenders == []

    def test_the_checker_sees_the_domain(self) -> None:
        names = {str(path.relative_to(APP)) for path in _domain_modules()}
        assert {"catalogue/service.py", "casussen/service.py", "cards/service.py"} <= names
