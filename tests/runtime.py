"""Facts about the interpreter running the tests, for tests whose expectations depend on them."""

import sys
import sysconfig

FREE_THREADED = bool(sysconfig.get_config_var("Py_GIL_DISABLED"))
PYPY = sys.implementation.name == "pypy"
