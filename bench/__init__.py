"""Benchmarks: each prints figures beside a baseline measured in the same run (make bench)."""
