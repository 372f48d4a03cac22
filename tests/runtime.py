"""Facts about the interpreter running the tests, for tests whose expectations depend on them."""

import os
import sys
import sysconfig

FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
PYPY = sys.implementation.name == "pypy"

# The size of the texts the parallel counters are compared on with the pure-Python reference. Under
# emulation (QEMU user mode, 5-100x slower) the reference takes minutes per MiB: set a smaller size
# there. The floor keeps every text at three or more of the word count's 1 MiB chunks, so the split
# across threads is still what is tested; the assertions never change.
LARGE_TEXT_SETTING = "PYO3_SHOWCASE_LARGE_TEXT_MIB"
LARGE_TEXT_MIB_DEFAULT, LARGE_TEXT_MIB_FLOOR = 9, 3


def large_text_mib() -> int:
    """The large texts' size in MiB: LARGE_TEXT_SETTING, else the default; ValueError if unusable."""
    value = os.environ.get(LARGE_TEXT_SETTING, str(LARGE_TEXT_MIB_DEFAULT))
    if not value.isdigit() or int(value) < LARGE_TEXT_MIB_FLOOR:
        raise ValueError(f"{LARGE_TEXT_SETTING}={value!r}: give a whole number of MiB, at least {LARGE_TEXT_MIB_FLOOR}")
    return int(value)
