"""Where a benchmarked step spends its time: the cumulative time of chosen model methods, shared by the benchmarks."""

import time
from contextlib import ExitStack, contextmanager
from unittest.mock import patch


@contextmanager
def profiled(env, methods, totals):
    """Append to ``totals["model.method"]`` the seconds of each call of ``methods`` ({model: [method]}) made while
    the block runs, in any thread (the HTTP server's included)."""

    def timed(original, label):
        def wrapper(*args, **kwargs):
            start = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                totals[label].append(time.perf_counter() - start)

        return wrapper

    with ExitStack() as stack:
        for model, names in methods.items():
            cls = type(env[model])
            for name in names:
                stack.enter_context(patch.object(cls, name, timed(getattr(cls, name), f"{model}.{name}")))
        yield
