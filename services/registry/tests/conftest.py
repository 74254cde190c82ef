"""Makes the registry's test builders importable (tests run with --import-mode=importlib)."""

import sys
from pathlib import Path

# A uniquely named module (registry_builders) so no other service's helpers can shadow it.
sys.path.insert(0, str(Path(__file__).parent))
