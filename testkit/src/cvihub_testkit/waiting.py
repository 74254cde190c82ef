"""Waiting on a condition with a deadline: the one way tests wait, never a fixed sleep."""

import asyncio
from collections.abc import Callable
from typing import Any

import pytest


async def eventually(
    check: Callable[[], Any], *, timeout: float = 15.0, interval: float = 0.1
) -> Any:
    """Await `check()` until it returns something truthy; fail with its last value."""
    last: Any = None
    deadline = asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        last = check()
        if asyncio.iscoroutine(last):
            last = await last
        if last:
            return last
        await asyncio.sleep(interval)
    pytest.fail(f"condition not met after {timeout}s; last value: {last!r}")
