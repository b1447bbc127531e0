"""A progress line on stderr while specs load, shown only when loading is slow."""

from __future__ import annotations

import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

from ..generator.progress import Progress

DELAY_S = 0.5  # quicker loads print nothing
INTERVAL_S = 0.2


@contextmanager
def progress_line(enabled: bool = True, stream: TextIO | None = None) -> Iterator[Progress]:
    """Yields the Progress to pass to `create_app`; redraws one stderr line while it runs."""
    progress = Progress()
    if not enabled:
        yield progress
        return
    out = stream or sys.stderr
    stop = threading.Event()
    shown = [False]

    def draw() -> None:
        if stop.wait(DELAY_S):
            return
        while True:
            text = progress.line()
            if progress.phase:
                out.write("\r" + text.ljust(72)[:120])
                out.flush()
                shown[0] = True
            if stop.wait(INTERVAL_S):
                return

    thread = threading.Thread(target=draw, name="specmock-progress", daemon=True)
    thread.start()
    try:
        yield progress
    finally:
        stop.set()
        thread.join()
        if shown[0]:
            out.write("\r" + " " * 72 + "\r")
            out.flush()
