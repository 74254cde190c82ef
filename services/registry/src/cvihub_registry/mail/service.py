"""Use cases on the mail outbox: the admin's view of what was queued, sent or given up."""

import dataclasses

from cvihub_registry.core import RegistryCore
from cvihub_registry.mail import store as mail_store
from cvihub_registry.mail.domain import StoredMail


async def mail_outbox(*, core: RegistryCore, limit: int, reveal_bodies: bool) -> list[StoredMail]:
    """The newest messages of the mail outbox; bodies decrypted only when `reveal_bodies`."""
    async with core.sessions() as session:
        messages = await mail_store.list_mail(session, limit=limit)
    return [
        dataclasses.replace(m, body=_readable(core, m.body) if reveal_bodies else None)
        for m in messages
    ]


def _readable(core: RegistryCore, encrypted: str | None) -> str | None:
    if encrypted is None:
        return None
    try:
        return core.box.decrypt(encrypted)
    except ValueError:  # queued under another key: nothing to show
        return None
