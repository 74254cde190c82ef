"""`python -m cvihub_portal.reencrypt [--check]`: reseal the portal's sealed columns (stored
answers of actions, names on alert responses) under the current key of PORTAL_DATA_KEYS,
rows from before sealing included; run after a key rotation, then drop the old key."""

import sys

from cvihub_portal.models import metadata
from cvihub_runtime.reencrypt import main

if __name__ == "__main__":
    sys.exit(main(["portal", *sys.argv[1:]], metadata))
