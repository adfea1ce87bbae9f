"""``python -m app.cli``: the same entry point as the ``gwb`` script."""

from app.cli import main

main()
