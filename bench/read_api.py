"""Read-path figures: how long the catalogue, casus and card endpoints and pages take.

Runs the app in-process on a fresh SQLite file (migrated, built-in content loaded) and prints
JSON: per path the median, p95 and max over N requests. Run with ``make bench``.
"""

from __future__ import annotations

import json
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from app import migrate
from app.config import Settings
from app.content import load_builtin_content
from app.db import build_engine, transaction
from app.main import create_app

PATHS = (
    "/api/v1/catalogues/waardenkaart-sociaal-domein",
    "/api/v1/casussen",
    "/api/v1/principekaarten/principekaart-professionals-2024",
    "/catalogi/waardenkaart-sociaal-domein",
    "/casussen",
)
REQUESTS = 200


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(
            environment="test",
            database_url=f"sqlite:///{Path(tmp) / 'bench.sqlite3'}",
            secret_key="bench-secret-key-long-enough",
            log_level="warning",
        )
        migrate.upgrade(settings)
        engine = build_engine(settings)
        with transaction(engine) as db:
            load_builtin_content(db)
        engine.dispose()
        results = {}
        with TestClient(create_app(settings)) as client:
            for path in PATHS:
                client.get(path)  # warm up caches and templates
                samples = []
                for _ in range(REQUESTS):
                    started = time.perf_counter()
                    response = client.get(path, headers={"Accept": "text/html"})
                    samples.append((time.perf_counter() - started) * 1000)
                    assert response.status_code == 200
                results[path] = {
                    "bytes": len(response.content),
                    "p50_ms": round(statistics.median(samples), 2),
                    "p95_ms": round(_percentile(samples, 0.95), 2),
                    "max_ms": round(max(samples), 2),
                }
    print(json.dumps({"benchmark": "read_api", "requests_per_path": REQUESTS, **results}, indent=2))


if __name__ == "__main__":
    main()
