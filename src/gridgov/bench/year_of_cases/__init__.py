"""A city's year of cases for the dashboard bench (一年的案件), generated without the services but as
they would have written them.

Each case walks the closed loop (report, register, dispatch, accept, resolve, verify, close, evaluate;
returns, escalations, extensions, suspensions, reworks, rejections, merges, reopenings, automatic 督办)
with the shares of the demo simulator (gridgov.sim.parameters), the same `data` shapes, deadlines
from cases.deadlines and real hash chains (cases.services.event_digest, so `gridgov audit verify`
passes on them). Steps that would fall after the end of the year are left undone, so the last days'
cases are open with green, yellow and red lights.

- pools.py: what the generator draws from, read once from the demo city;
- log.py: a case's columns, the actors, time, and the event log with its hash chain;
- loop.py: YearOfCases, the choices along the loop.
"""

from gridgov.bench.year_of_cases.log import CaseState
from gridgov.bench.year_of_cases.loop import YearOfCases
from gridgov.bench.year_of_cases.pools import Pools, load_pools

__all__ = ["CaseState", "Pools", "YearOfCases", "load_pools"]
