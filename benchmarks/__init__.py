"""Side-by-side benchmarks: our code and its peers in one process, medians and ratios."""
