# GRIDGOV_TEST_CLOCK moves this process's clock (tests/clock.py). Here, so that it holds before the
# session fixtures build data, and in every process a test spawns (they import this package).
from tests.clock import hold_process_clock

hold_process_clock()
