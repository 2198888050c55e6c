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
