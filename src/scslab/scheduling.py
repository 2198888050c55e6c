"""Pieces handed to threads as they become free, for the engine's parallel kernels.

Numba's ``prange`` gives each thread one fixed block of the range. When one thread is slowed
(another program holds its core) or the blocks are unequal (strata differ in size), every other
thread waits for it at the end of the loop, and two threads can be slower than one. Here each
thread instead takes the next piece from a shared counter, the largest pieces first, so a slowed
thread simply takes fewer (dynamic scheduling, as OpenMP's ``schedule(dynamic)`` or TBB's work
stealing do). Every piece draws from its own random streams, so which thread runs it changes no
result.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import types
from numba.extending import intrinsic


@intrinsic
def take(typingctx, counter):
    """Add 1 to ``counter[0]`` (an int64 array) atomically and return its value before."""
    if not (isinstance(counter, types.Array) and counter.dtype == types.int64):
        return None

    def codegen(context, builder, signature, args):
        array = context.make_array(signature.args[0])(context, builder, value=args[0])
        return builder.atomic_rmw("add", array.data, ir.Constant(ir.IntType(64), 1), "seq_cst")

    return types.int64(counter), codegen


def largest_first(work: np.ndarray) -> np.ndarray:
    """The order in which threads take pieces: the most work first (ties by piece number)."""
    return np.argsort(-np.asarray(work), kind="stable").astype(np.int64)


SERIAL_BELOW = 20_000
"""A kernel with fewer candidate events than this runs on one thread: waking a second thread costs
more than it saves, most of all on a busy machine."""

PROBE_EVERY = 64
"""Every this many large days, one runs on the thread count not in use, to measure it again."""


class Pace:
    """How many threads the day's large kernel gets: all of the run's, unless one is measured faster.

    On a busy machine a thread that shares its core with another program is preempted for whole
    time slices, and the others wait for it at the end of every parallel loop; then one thread can
    be faster than two. So the cost per event of each choice is measured as the run goes (an
    exponential average), every ``PROBE_EVERY``-th large day runs on the choice not in use, and
    the cheaper one is kept. Small days (below ``SERIAL_BELOW`` events) always run on one thread.
    The choice changes no result (see the module's docstring).
    """

    def __init__(self, threads: int):
        self.most = threads
        self.cost = {1: None, threads: None}
        self.choice = threads
        self.large_days = 0

    def threads(self, work: int, probe: bool = True) -> int:
        """Threads for a kernel with ``work`` candidate events (``probe``: it may be a measuring day)."""
        if self.most == 1 or work < SERIAL_BELOW:
            return 1
        if probe:
            self.large_days += 1
            if self.large_days % PROBE_EVERY == 0:
                return 1 if self.choice == self.most else self.most
        return self.choice

    def record(self, threads: int, work: int, seconds: float) -> None:
        """What a kernel on ``threads`` threads took for ``work`` events; may change the choice."""
        if self.most == 1 or work < SERIAL_BELOW:
            return
        per_event = seconds / work
        old = self.cost[threads]
        self.cost[threads] = per_event if old is None else old + 0.25 * (per_event - old)
        if None not in self.cost.values():
            self.choice = min(self.cost, key=lambda t: (self.cost[t], -t))
