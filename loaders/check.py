"""Moved to :mod:`checks` (the bottom layer); kept only while the PPR index code moves over."""

from checks import check_choice, check_positive, check_positive_int, check_probability, check_seed

__all__ = [
    "check_choice",
    "check_positive",
    "check_positive_int",
    "check_probability",
    "check_seed",
]
