"""Effect node that persists user records to PostgreSQL through the container's connection pool."""
from __future__ import annotations

import asyncio
from datetime import datetime, timezone
from uuid import UUID

from omnibase.protocols import ProtocolDatabasePool, ProtocolEventBus
from omnibase_core.container import ModelONEXContainer
from omnibase_core.errors import CoreErrorCode, OnexError
from omnibase_core.nodes import NodeEffect
from pydantic import BaseModel, Field, field_validator


class ModelUserRecord(BaseModel):
    """A user as the writer stores it."""

    user_id: UUID
    email: str = Field(min_length=3, max_length=320)
    display_name: str
    created_at: datetime = Field(default_factory=lambda: datetime.now(timezone.utc))

    @field_validator("email")
    @classmethod
    def normalise_email(cls, value: str) -> str:
        """Lower-case the address and reject those without a domain."""
        if "@" not in value:
            raise ValueError("email needs a domain")
        return value.strip().lower()


class ModelUserWriteResult(BaseModel):
    """Outcome of one write."""

    user_id: UUID
    inserted: bool
    attempts: int


class NodeUserWriterEffect(NodeEffect):
    """Upserts users, retrying transient database failures with backoff."""

    max_attempts: int = 3

    def __init__(self, container: ModelONEXContainer) -> None:
        """Resolve the pool and the event bus from the container."""
        super().__init__(container)
        self.pool: ProtocolDatabasePool = container.get_service(ProtocolDatabasePool)
        self.bus: ProtocolEventBus = container.get_service(ProtocolEventBus)

    async def execute_effect(self, record: ModelUserRecord) -> ModelUserWriteResult:
        """Write one user and announce it."""
        attempt = 0
        while True:
            attempt += 1
            try:
                inserted = await self._upsert(record)
                break
            except ConnectionError as err:
                if attempt >= self.max_attempts:
                    raise OnexError(code=CoreErrorCode.OPERATION_FAILED, message=str(err)) from err
                await asyncio.sleep(0.05 * 2 ** attempt)
        if inserted:
            await self.bus.publish("user.created", record.model_dump(mode="json"))
        return ModelUserWriteResult(user_id=record.user_id, inserted=inserted, attempts=attempt)

    async def _upsert(self, record: ModelUserRecord) -> bool:
        """Insert or update; True when the row is new."""
        async with self.pool.acquire() as conn:
            row = await conn.fetchrow(
                "INSERT INTO users (user_id, email, display_name, created_at) VALUES ($1, $2, $3, $4) "
                "ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email RETURNING xmax = 0 AS inserted",
                record.user_id, record.email, record.display_name, record.created_at,
            )
            return bool(row and row["inserted"])
