"""The seed check of :func:`loaders.check.check_seed`, kept here because sketches stay a leaf.

``sketches`` may not import ``loaders`` (the layer contract), so this copy must
say exactly what the original says; ``tests/test_seeds.py`` holds them together.
"""

from __future__ import annotations

import operator

import numpy as np


def check_seed(seed, name: str = "seed") -> int | None:
    """Return ``seed`` as a plain int (None stays None), else ValueError naming the range.

    >>> check_seed(3), check_seed(None)
    (3, None)
    >>> check_seed(2**64)
    Traceback (most recent call last):
    ...
    ValueError: seed must be None or an integer in [0, 2**32); got 18446744073709551616
    """
    if seed is None:
        return None
    message = f"{name} must be None or an integer in [0, 2**32); got {seed!r}"
    if isinstance(seed, (bool, np.bool_)):
        raise ValueError(message)
    try:
        value = operator.index(seed)
    except TypeError:
        raise ValueError(message) from None
    if not 0 <= value < 2**32:
        raise ValueError(message)
    return int(value)
