"""The dashboard's upload limits, read from the environment without importing Streamlit.

``gwb app`` needs them to start Streamlit (``--server.maxUploadSize``), so they
live apart from :mod:`app.dashboard.state`, which imports Streamlit.
"""

from __future__ import annotations

from app.environment import number_from_env

#: Environment variable: the largest upload, in megabytes (default 200, Streamlit's own).
UPLOAD_ENV = "GWB_MAX_UPLOAD_MB"
DEFAULT_UPLOAD_MB = 200.0

#: A graph read from an upload may take this many times the upload limit in memory.
#: An edge list costs about 10-15 bytes of graph per byte of text (46 bytes per edge
#: endpoint pair, measured in loaders.memory, for lines of 4-8 characters), so honest
#: files stay well inside; a header declaring 10^8 nodes in a few bytes does not.
UPLOAD_MEMORY_FACTOR = 32


def max_upload_mb() -> float:
    """``$GWB_MAX_UPLOAD_MB`` as a positive number of megabytes (ValueError naming it if not).

    >>> max_upload_mb() > 0
    True
    """
    return number_from_env(UPLOAD_ENV, DEFAULT_UPLOAD_MB, unit="megabytes", allow_zero=False)


def max_upload_bytes() -> int:
    """The upload limit in bytes (megabytes of 2**20 bytes, as Streamlit counts them)."""
    return int(max_upload_mb() * 2**20)


def upload_memory_limit() -> int:
    """Bytes a graph read from an upload may declare (the readers' ``memory_limit=``)."""
    return UPLOAD_MEMORY_FACTOR * max_upload_bytes()
