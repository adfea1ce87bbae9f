"""Arrays that a serial kernel reads without counting references to them.

Numba counts references to an array (``NRT_incref`` / ``NRT_decref``, an atomic
add each) wherever a variable takes it, and an inlined function's parameters are
such variables: a walk step taking five arrays, inlined into a serial loop, cost
ten atomic operations a step. On x86 an atomic operation waits for every load
in flight, so the walks could no longer overlap their cache misses: the serial
twin of the hybrid's walk kernel ran 4x slower than its parallel twin on one
thread (128 vs 30 ms for 2.7M steps on the 1M-edge BA graph of
``benchmarks/ppr.py``). A parallel loop's body escapes this because Numba hands
it arrays without a reference count; :func:`borrowed` does the same for a
serial kernel.
"""

from __future__ import annotations

from numba.extending import intrinsic


@intrinsic
def borrowed(typingctx, array):
    """``array`` without its reference count (no meminfo, no parent): counting
    references to it is then a no-op. Valid only while the caller holds ``array``,
    that is within the kernel that borrowed it; never return it or store it."""

    def codegen(context, builder, signature, args):
        view = context.make_array(array)(context, builder, value=args[0])
        view.meminfo = view.meminfo.type(None)
        view.parent = view.parent.type(None)
        return view._getvalue()

    return array(array), codegen
