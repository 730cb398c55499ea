"""Speed and memory measurements (`make bench`); figures go to benchmarks/results/*.json."""
