"""`python -m cvihub_notifications.reencrypt [--check]`: reseal the service's sealed columns
(deliveries' endpoints, the registry copy's endpoints) and its outbox under the current key of
NOTIFICATIONS_DATA_KEYS, rows from before sealing included; run after a key rotation, then drop
the old key. The service's start seals plaintext rows from before on its own."""

import sys

from cvihub_notifications.models import metadata
from cvihub_runtime.reencrypt import main

if __name__ == "__main__":
    sys.exit(main(["notifications", *sys.argv[1:]], metadata))
