"""Benchmarks of issue 7: turns, fan-out, routing and memory. Run with ``python -m bench``.

Everything talks to 127.0.0.1 or Unix sockets only, and every loop is bounded in count and time.
"""
