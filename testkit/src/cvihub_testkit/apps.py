"""Running a service's FastAPI app in a test: its lifespan (migrations, broker, loops)."""

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI


@asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[FastAPI]:
    """Run a FastAPI app's lifespan (migrations, broker, loops) around a block."""
    async with app.router.lifespan_context(app):
        yield app
