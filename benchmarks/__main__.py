"""Run every benchmark: ``python -m benchmarks`` (or ``make bench``)."""

from benchmarks import fastrp, load

if __name__ == "__main__":
    load.main([])
    fastrp.main([])
