"""Loaded into schemathesis by .ci/fuzz (SCHEMATHESIS_HOOKS): fixes the fuzzer, not the portal.

CPython 3.11 can fail `ast.parse` with "SystemError: AST constructor recursion depth
mismatch" when two threads parse at once (python/cpython#106905). Hypothesis
parses the source of the lambdas in schemathesis' strategies to describe them, and
`--workers 2` runs two threads: a run then ended in a "Runtime Error" of the fuzzer itself,
with every generated case passed. One lock around `ast.parse` keeps the two workers and
takes nothing from what is checked.
"""

import ast
import threading

_parse = ast.parse
_parse_lock = threading.Lock()


def _parse_one_at_a_time(*args, **kwargs):
    with _parse_lock:
        return _parse(*args, **kwargs)


ast.parse = _parse_one_at_a_time
