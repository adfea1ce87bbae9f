"""Numbers the front ends read from environment variables, checked alike.

A variable that is set but unusable is an error naming it, never a silent default:
a user who exports ``GWB_CONFIRM_SECONDS=ten`` should hear so, not run unconfirmed.
"""

from __future__ import annotations

import math
import os


def number_from_env(name: str, default: float, *, unit: str, allow_zero: bool) -> float:
    """``$name`` as a finite number of ``unit`` (above zero, or at least zero with
    ``allow_zero``), or ``default`` when it is unset or blank.

    Raises ValueError naming the variable and its text otherwise.

    Examples
    --------
    >>> number_from_env("GWB_DOCTEST_UNSET", 2.5, unit="seconds", allow_zero=True)
    2.5
    >>> import os
    >>> os.environ["GWB_DOCTEST_SET"] = "0"
    >>> number_from_env("GWB_DOCTEST_SET", 1.0, unit="megabytes", allow_zero=False)
    Traceback (most recent call last):
    ...
    ValueError: GWB_DOCTEST_SET must be a positive number of megabytes; got '0'
    >>> del os.environ["GWB_DOCTEST_SET"]
    """
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0 or (value == 0 and not allow_zero):
        wanted = f"a number of {unit}, at least 0" if allow_zero else f"a positive number of {unit}"
        raise ValueError(f"{name} must be {wanted}; got {text!r}")
    return value
