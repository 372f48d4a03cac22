"""Smoke-test an installed pyo3-showcase: import it and call one thing from every topic.

Usage: python scripts/smoke_test.py [EXPECTED_VERSION]

Runs inside the environment under test, with nothing but the standard library and the installed
package, on any operating system. Prints one line and exits 0, or raises with a traceback.
"""

from __future__ import annotations

import asyncio
import sys
import sysconfig


async def collect_async() -> list[int]:
    """Drive the tokio-backed async iterator from asyncio."""
    from pyo3_showcase import PyAsyncIter  # noqa: PLC0415 - imported after the version check

    return [value async for value in PyAsyncIter()]


def main() -> int:
    """Check the version, then exercise each topic once."""
    import pyo3_showcase as showcase  # noqa: PLC0415 - the import itself is the first check

    expected = sys.argv[1] if len(sys.argv) > 1 else None
    if expected is not None and showcase.__version__ != expected:
        raise SystemExit(f"installed pyo3-showcase {showcase.__version__}, expected {expected}")
    checks = {
        "functions": showcase.sum_as_string(3, 5) == "8",
        "errors": showcase.CustomError("oops").args == ("oops",),
        "classes": showcase.SubClass().method2() == 100,
        "iterators": list(showcase.PyClassIter()) == [1, 2, 3, 4, 5],
        "async": asyncio.run(collect_async()) == [1, 2, 3, 4, 5],
        "concurrency": showcase.LazyConfig().get_data() == "Initialized Data",
        "text": showcase.count_words("a b\u2028a " * 100_000, "a") == 200_000,
        "dnd": showcase.roll_dice(3, 6, seed=1) == showcase.roll_dice(3, 6, seed=1),
    }
    failed = [topic for topic, passed in checks.items() if not passed]
    if failed:
        raise SystemExit(f"smoke test failed: {', '.join(failed)}")
    gil = "free-threaded" if sysconfig.get_config_var("Py_GIL_DISABLED") else "GIL"
    print(
        f"pyo3-showcase {showcase.__version__} works on {sys.implementation.name} "
        f"{sys.version.split()[0]} ({gil} build): {', '.join(checks)}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
