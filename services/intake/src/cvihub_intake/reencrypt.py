"""`python -m cvihub_intake.reencrypt [--check]`: reseal intake's sealed columns (the registry
copy's subscription endpoints) and its outbox under the current key of INTAKE_DATA_KEYS, rows
from before sealing included; run after a key rotation, then drop the old key. The service's
start seals plaintext rows from before on its own."""

import sys

from cvihub_intake.models import metadata
from cvihub_runtime.reencrypt import main

if __name__ == "__main__":
    sys.exit(main(["intake", *sys.argv[1:]], metadata))
