"""Parameter checks for every layer: each message names the parameter, the bad value and the range.

The bottom of the house: ``loaders``, ``sketches``, ``engine`` and ``app`` all
check their inputs here, so a rule (what a seed may be, what "positive" means)
is written once and reads the same from every entry point.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Collection

import numpy as np

#: Seeds are integers in [0, SEED_LIMIT): what NumPy's legacy ``RandomState`` (and
#: so datasketch's MinHash permutations) accept, so one rule serves every backend.
SEED_LIMIT = 2**32


def check_choice(name: str, value, allowed: Collection) -> None:
    """Raise ValueError unless ``value`` is one of ``allowed``.

    >>> check_choice("self_loops", "keep", ("keep", "drop"))
    >>> check_choice("self_loops", "yes", ("keep", "drop"))
    Traceback (most recent call last):
    ...
    ValueError: self_loops must be one of 'keep', 'drop'; got 'yes'
    """
    if value not in allowed:
        options = ", ".join(repr(a) for a in allowed)
        raise ValueError(f"{name} must be one of {options}; got {value!r}")


def check_positive_int(name: str, value, *, minimum: int = 1) -> int:
    """Return ``value`` as an int, or raise ValueError when it is not an int ≥ ``minimum``.

    >>> check_positive_int("n_blocks", 3)
    3
    >>> check_positive_int("n_blocks", 0)
    Traceback (most recent call last):
    ...
    ValueError: n_blocks must be an integer >= 1; got 0
    """
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    try:
        as_int = int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}") from None
    if as_int != value or as_int < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}; got {value!r}")
    return as_int


def check_positive(name: str, value) -> float:
    """Return ``value`` as a float, or raise ValueError unless it is finite and > 0.

    >>> check_positive("r_max", 1e-4)
    0.0001
    >>> check_positive("r_max", 0)
    Traceback (most recent call last):
    ...
    ValueError: r_max must be > 0; got 0
    """
    number = float(value)
    if not (number > 0 and math.isfinite(number)):
        raise ValueError(f"{name} must be > 0; got {value!r}")
    return number


def check_between(name: str, value, low: float, high: float, *, closed_high: bool = False) -> float:
    """Return ``value`` as a float in the open interval (``low``, ``high``) (or
    (``low``, ``high``] with ``closed_high``), else raise ValueError naming the range.

    >>> check_between("alpha", 0.15, 0, 1)
    0.15
    >>> check_between("t", 101, 0, 100, closed_high=True)
    Traceback (most recent call last):
    ...
    ValueError: t must be in (0, 100]; got 101
    >>> check_between("eps", "small", 0, 1)
    Traceback (most recent call last):
    ...
    ValueError: eps must be in (0, 1); got 'small'
    """
    message = f"{name} must be in ({low:g}, {high:g}{']' if closed_high else ')'}; got {value!r}"
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(message) from None
    if not (low < number < high or (closed_high and number == high)):
        raise ValueError(message)
    return number


def check_probability(name: str, value: float, *, open_low: bool = False) -> float:
    """Return ``value`` as a float in [0, 1] (or (0, 1] with ``open_low``), else raise ValueError.

    >>> check_probability("p_in", 0.2)
    0.2
    >>> check_probability("p_in", 1.5)
    Traceback (most recent call last):
    ...
    ValueError: p_in must be in [0, 1]; got 1.5
    """
    low = "(0" if open_low else "[0"
    as_float = float(value)
    if not (0.0 <= as_float <= 1.0) or (open_low and as_float == 0.0):
        raise ValueError(f"{name} must be in {low}, 1]; got {value!r}")
    return as_float


def check_seed(seed, name: str = "seed") -> int | None:
    """Return ``seed`` as a plain int (None stays None: a fresh random seed), else ValueError.

    A seed is None or an integer in [0, 2**32): Python or NumPy integers; bools,
    floats (even 1.0) and strings are refused, so that a typo never becomes a
    different random stream. Every seeded function and command checks its seed
    here; ``sketches`` keeps a copy of this check with the same message.

    >>> check_seed(7), check_seed(np.int64(7)), check_seed(None)
    (7, 7, None)
    >>> check_seed(-1)
    Traceback (most recent call last):
    ...
    ValueError: seed must be None or an integer in [0, 2**32); got -1
    >>> check_seed(True)
    Traceback (most recent call last):
    ...
    ValueError: seed must be None or an integer in [0, 2**32); got True
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
    if not 0 <= value < SEED_LIMIT:
        raise ValueError(message)
    return int(value)
