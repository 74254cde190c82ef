"""Group commit: many callers' small write transactions run as one.

Under load a service makes hundreds of tiny transactions a second (an attempt recorded per
delivery); each costs a commit and, on SQLite, a turn at the one write lock. Callers hand their
work to a GroupCommit instead: what is queued while one transaction runs goes into the next,
so a burst costs a few commits, and a lone caller waits for nothing but its own.
"""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, Generic, TypeVar

import structlog
from sqlalchemy.ext.asyncio import AsyncSession

from cvihub_runtime.db import SessionFactory, transaction

log = structlog.get_logger(__name__)

T = TypeVar("T")
Work = Callable[[AsyncSession], Awaitable[T]]


class _Queued(Generic[T]):
    def __init__(self, work: Work[T], done: asyncio.Future[T]) -> None:
        self.work = work
        self.done = done


class GroupCommit:
    """Runs queued work, in order, in shared transactions of at most `max_batch` callers.

    Work must touch only the database (it may run twice: if one caller's work fails, the
    shared transaction is rolled back and each is run again in a transaction of its own, so
    only the failing caller sees its error)."""

    def __init__(self, sessions: SessionFactory, *, max_batch: int = 100) -> None:
        self._sessions = sessions
        self._max_batch = max_batch
        self._queue: list[_Queued[Any]] = []
        self._flusher: asyncio.Task[None] | None = None

    async def run(self, work: Work[T]) -> T:
        """Run `work` in a committed transaction (shared with other callers); its result."""
        done: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.append(_Queued(work, done))
        if self._flusher is None or self._flusher.done():
            self._flusher = asyncio.create_task(self._flush())
        # The flush goes on if this caller is cancelled: the others' work is in it too.
        return await asyncio.shield(done)

    async def aclose(self) -> None:
        """Wait for the work already queued."""
        if self._flusher is not None:
            await asyncio.gather(self._flusher, return_exceptions=True)

    async def _flush(self) -> None:
        while self._queue:
            batch = self._queue[: self._max_batch]
            del self._queue[: self._max_batch]
            try:
                async with transaction(self._sessions) as session:
                    results = [await queued.work(session) for queued in batch]
            except Exception as error:
                if len(batch) == 1:
                    _settle(batch[0], error=error)
                    continue
                log.info("group commit rolled back; each caller alone", callers=len(batch))
                for queued in batch:
                    await self._alone(queued)
                continue
            for queued, result in zip(batch, results, strict=True):
                _settle(queued, result=result)

    async def _alone(self, queued: _Queued[Any]) -> None:
        try:
            async with transaction(self._sessions) as session:
                result = await queued.work(session)
        except Exception as error:
            _settle(queued, error=error)
        else:
            _settle(queued, result=result)


def _settle(queued: _Queued[Any], *, result: Any = None, error: Exception | None = None) -> None:
    if queued.done.done():
        return
    if error is not None:
        queued.done.set_exception(error)
    else:
        queued.done.set_result(result)
