"""The process clock for a test run: GRIDGOV_TEST_CLOCK=2028-01-29T10:00:00+08:00 puts the whole run there.

No test may depend on the day or hour the suite happens to run; CI proves it by running the date-heavy
tests again with the clock moved to awkward moments (a 春节 weekend of a year chinese-calendar does not
know, the middle of the night). The clock is moved with time-machine for the whole process — every
thread, so live servers too — and keeps ticking (`tick=True`), so timeouts and "later" still work.

Processes a test spawns import the `tests` package (multiprocessing pickles their targets by module)
and join the same clock: the first process records its offset from the real clock in
GRIDGOV_TEST_CLOCK_OFFSET, which children inherit, so a child never starts behind its parent.
Chromium (browser tests) keeps the real clock.
"""

from __future__ import annotations

import os
import time
from datetime import datetime

ENV = "GRIDGOV_TEST_CLOCK"
OFFSET_ENV = "GRIDGOV_TEST_CLOCK_OFFSET"  # seconds from the real clock, shared with child processes

_traveller = None


def requested() -> datetime | None:
    """The moment GRIDGOV_TEST_CLOCK asks for (aware), or None when it is unset."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return None
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError:
        raise SystemExit(f"{ENV}={raw!r} is not a moment like 2028-01-29T10:00:00+08:00") from None
    if moment.tzinfo is None:
        raise SystemExit(f"{ENV}={raw!r} needs its UTC offset, like 2028-01-29T10:00:00+08:00")
    return moment


def hold_process_clock() -> datetime | None:
    """Start the clock of this process at GRIDGOV_TEST_CLOCK (once); the moment it reads now, or None."""
    global _traveller
    moment = requested()
    if moment is None:
        return None
    if _traveller is None:
        import time_machine

        offset = os.environ.get(OFFSET_ENV)
        if offset is None:  # the first process of the run: the requested moment is "now"
            os.environ[OFFSET_ENV] = repr(moment.timestamp() - time.time())
            destination = moment.timestamp()
        else:  # a child: where its parent's clock is now
            destination = time.time() + float(offset)
        # A timestamp, not the aware datetime: time-machine would also change the process's TZ for a
        # ZoneInfo, and Django keeps TZ at settings.TIME_ZONE itself.
        _traveller = time_machine.travel(destination, tick=True)
        _traveller.start()
    return datetime.fromtimestamp(time.time(), moment.tzinfo)
