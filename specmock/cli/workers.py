"""`specmock serve --workers N`: N processes answering on one port.

The port is bound once, here, and handed to N worker processes by uvicorn's own
supervisor, which restarts a worker that dies. Each worker builds its app from the
same settings (passed in the environment, as JSON), so a worker is what a single
`specmock serve` would be. State must live outside the processes (SQLite, Redis,
MySQL): with the memory store each worker would keep its own, so N > 1 is refused.
"""

from __future__ import annotations

import json
import os
from typing import Any

from ..generator.progress import Progress
from ..runtime import logs, server
from ..runtime.app import SpecmockApp
from ..runtime.docs import ServedDocs
from ..runtime.factory import create_app
from ..runtime.limits import Limits

ENV = "SPECMOCK_WORKER_SETTINGS"


class WorkersError(ValueError):
    pass


def build(settings: dict[str, Any], progress: Progress | None = None) -> SpecmockApp:
    """The app `specmock serve` runs, from its settings (JSON-able)."""
    kwargs = dict(settings["app"])
    limits = Limits(**settings.get("limits", {}))
    app = create_app(**kwargs, limits=limits, progress=progress)
    scenario = settings.get("scenario")
    if scenario:
        if scenario not in app.scenarios:
            known = ", ".join(sorted(app.scenarios)) or "none"
            raise ValueError(f"no scenario {scenario!r} (known: {known})")
        app.initial_scenario = scenario
    app.on_shutdown(logs.flush)  # buffered request lines written before the process ends
    app.watch_interval = 0.5
    app.watch_specs = bool(settings.get("watch"))
    return app


def app() -> ServedDocs:
    """uvicorn's factory in each worker process."""
    settings = json.loads(os.environ[ENV])
    logs.configure(settings.get("log_format", "text"))
    return ServedDocs(build(settings))


def check(state: str | None, workers: int) -> None:
    if workers < 1:
        raise WorkersError("--workers must be 1 or more")
    if workers > 1 and (not state or state.startswith("memory")):
        raise WorkersError(
            f"--workers {workers} needs state shared between processes: the memory store "
            "lives inside one process, so each worker would answer from its own. Use "
            "--state sqlite:///state.db, --state redis://host:6379/0 or --state mysql://..."
        )


def run(settings: dict[str, Any], host: str, port: int, workers: int, limits: Limits) -> None:
    from uvicorn.supervisors import Multiprocess

    os.environ[ENV] = json.dumps(settings)
    config = server.config(f"{__name__}:app", host, port, limits, factory=True, workers=workers)
    Multiprocess(config, sockets=[config.bind_socket()]).run()
