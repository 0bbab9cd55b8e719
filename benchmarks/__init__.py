"""Benchmarks behind `make bench` (see benchmarks/run.py)."""
