"""Freezing the collector once a wave of sockets has settled (docs/performance.md).

Full collections walk every long-lived object; with thousands of sockets that made pauses of
0.5-2.5 s. Once a wave of connections has settled, or every ``every`` new sockets while it goes
on (reconnecting phones may never leave the worker quiet), everything alive is moved out of the
collector's reach.
"""

from __future__ import annotations

import gc
import time

# Freeze again after this many new sockets even if joins never pause: reconnecting phones keep
# a wave going for minutes.
FREEZE_EVERY_SOCKETS = 1_000
# Collector thresholds once frozen: full collections 10x rarer than CPython's (700, 10, 10).
# Raising the young thresholds too (2,000 or 10,000) made no fewer milliseconds of pauses in all,
# only longer single pauses (docs/performance.md).
THRESHOLDS_FROZEN = (700, 10, 100)


class GcFreezer:
    """``after`` seconds without a new socket (0: never freeze), or every ``every`` sockets."""

    def __init__(
        self,
        *,
        after: float = 0.0,
        every: int = FREEZE_EVERY_SOCKETS,
        thresholds: tuple[int, int, int] | None = None,
    ) -> None:
        self.after = after
        self._every = every
        self._thresholds = thresholds or THRESHOLDS_FROZEN
        self._last_join = 0.0
        self._since = 1  # freeze once right after start-up (imports, app, engine)

    def start(self) -> None:
        """Freeze now, at start-up, before the first socket: the imports, the app and the engine
        (about 190,000 objects) leave the collector's reach at once. Waiting for the first quiet
        tick was too late after a restart: thousands of phones come back before it, and until
        the freeze every full collection walked all of that too (0.25-2.5 s pauses in
        ``bench/storm.py``, decision 0038)."""
        if self.after <= 0:
            return
        self._since = 0
        gc.collect(1)
        gc.freeze()
        gc.set_threshold(*self._thresholds)

    def joined(self) -> None:
        self._last_join = time.monotonic()
        self._since += 1

    def maybe_freeze(self) -> None:
        """A young collection first, so fresh garbage is not frozen with the rest (a full one,
        to free older cycles too, cost a 170 ms pause at 600 sockets); frozen objects that die
        later are freed by reference counting, only cycles among them (and cycles already dead
        in the old generation) stay until unfreeze. The first freeze also sets the collector's
        thresholds for the process."""
        if self.after <= 0 or not self._since:
            return
        quiet = time.monotonic() - self._last_join >= self.after
        stepped = 0 < self._every <= self._since
        if quiet or stepped:
            self._since = 0
            gc.collect(1)
            gc.freeze()
            if gc.get_threshold() != self._thresholds:
                gc.set_threshold(*self._thresholds)
