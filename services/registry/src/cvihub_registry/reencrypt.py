"""Personal data sealed at rest: rows from before sealing, and key rotation.

    REGISTRY_DATA_KEYS=new:…,old:… python -m cvihub_registry.reencrypt [--check]

reseals every sealed column of the registry (models.py marks them: names, emails, device
names, consent purposes, mail recipients) and its outbox under the current key. The registry's
start runs `seal_rows_from_before`, so an upgraded database holds no plaintext once it runs."""

import sys

import structlog

from cvihub_registry.core import RegistryCore
from cvihub_registry.models import metadata
from cvihub_registry.people import store as people_store
from cvihub_registry.people.codes import email_digest
from cvihub_runtime.db import transaction
from cvihub_runtime.reencrypt import main
from cvihub_runtime.reencrypt import seal_rows_from_before as seal_plaintext_rows

log = structlog.get_logger(__name__)


async def seal_rows_from_before(core: RegistryCore) -> None:
    """Seal values stored in plaintext before their column was sealed, and give people
    stored before then the digest they are found by; cheap when there are none."""
    await seal_plaintext_rows(core.sessions, metadata)
    async with transaction(core.sessions) as session:
        digests = await people_store.fill_email_digests(
            session, lambda email: email_digest(email, core.email_key)
        )
    if digests:
        log.info("email digests filled for people from before", email_digests=digests)


if __name__ == "__main__":
    sys.exit(main(["registry", *sys.argv[1:]], metadata))
