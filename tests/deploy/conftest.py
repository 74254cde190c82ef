"""The service image's tests: its build steps run on this machine, no Docker engine needed."""

import sys
from pathlib import Path

# --import-mode=importlib keeps test dirs off sys.path; the helper module has a unique name.
sys.path.insert(0, str(Path(__file__).parent))
