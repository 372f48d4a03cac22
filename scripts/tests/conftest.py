"""The pipeline scripts import their siblings by plain name, as they do when run: make that work here."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
