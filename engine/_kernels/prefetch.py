"""A hint to fetch an array element into the cache ahead of its use.

A walk step reads two places nowhere near the last (the row's bounds, then the
neighbour), each a cache miss on a graph larger than the cache. Walks run
interleaved, one phase of a step each in turn; a phase asks for the line its next
phase will read (:func:`prefetch`) and moves on to the next walk, so the misses
of all walks in flight overlap instead of following one another.
"""

from __future__ import annotations

from llvmlite import ir
from numba.core import cgutils, types
from numba.extending import intrinsic


@intrinsic
def prefetch(typingctx, array, index):
    """Ask the CPU to bring ``array[index]`` into the cache (LLVM's ``prefetch``, for a
    read, kept in all cache levels). A hint only, with no effect on results; the
    index is not checked, so give one within the array."""
    if not isinstance(array, types.Array) or not isinstance(index, types.Integer):
        return None

    def codegen(context, builder, signature, args):
        view = context.make_array(array)(context, builder, args[0])
        # The address arithmetic only: a hint needs no bounds check.
        pointer = cgutils.get_item_pointer2(
            context,
            builder,
            data=view.data,
            shape=cgutils.unpack_tuple(builder, view.shape, array.ndim),
            strides=cgutils.unpack_tuple(builder, view.strides, array.ndim),
            layout=array.layout,
            inds=[context.cast(builder, args[1], index, types.intp)],
            wraparound=False,
            boundscheck=False,
        )
        int32 = ir.IntType(32)
        byte_pointer = builder.bitcast(pointer, ir.IntType(8).as_pointer())
        signature_ = ir.FunctionType(ir.VoidType(), [byte_pointer.type, int32, int32, int32])
        # LLVM names the intrinsic after its pointer type: opaque pointers (LLVM 15+)
        # are "p0", typed ones "p0i8".
        suffix = "p0" if str(byte_pointer.type) == "ptr" else "p0i8"
        hint = cgutils.get_or_insert_function(builder.module, signature_, f"llvm.prefetch.{suffix}")
        builder.call(hint, [byte_pointer, int32(0), int32(3), int32(1)])
        return context.get_dummy_value()

    return types.none(array, index), codegen
