"""Assembly: ``create_app(store, clock, config)`` wires the API endpoint, the admin API and its guard."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from starlette.types import ASGIApp, Receive, Scope, Send

from emulator import deletion, deploy_actions, host_instances, ssl_actions, tag_actions
from emulator.admin import admin_app
from emulator.admin_guard import AdminGuard
from emulator.api import ApiEndpoint
from emulator.auth import SignatureVerifier
from emulator.clock import Clock
from emulator.context import Action
from emulator.identity import InstanceIdentity, check_instance_id
from emulator.ratelimit import RateLimiter
from emulator.state import EmulatorState
from emulator.store import Store

__all__ = ["ADMIN_PREFIX", "EmulatorApp", "EmulatorConfig", "action_table", "create_app"]

ADMIN_PREFIX = "/_emulator/"


@dataclass(frozen=True)
class EmulatorConfig:
    """Who may call (SecretId -> SecretKey, optional STS token), what the account looks like, and who this is.

    ``instance_id`` and ``db_path`` (absolute) are only reported by ``GET /_emulator/identity``.
    """

    credentials: Mapping[str, str] = field(repr=False)
    token: str | None = field(default=None, repr=False)
    region: str = "ap-guangzhou"
    owner_uin: str = "100000000001"
    instance_id: str | None = None
    db_path: Path | None = None

    def __post_init__(self) -> None:
        if not self.credentials or not all(self.credentials.values()):
            raise ValueError("the emulator needs at least one SecretId/SecretKey pair")
        if self.instance_id is not None:
            check_instance_id(self.instance_id)


def action_table() -> list[Action]:
    """Every action the emulator serves (SSL 2019-12-05 and Tag 2018-08-13)."""
    return [
        *ssl_actions.ACTIONS,
        *deletion.ACTIONS,
        *deploy_actions.ACTIONS,
        *host_instances.ACTIONS,
        *tag_actions.ACTIONS,
    ]


class EmulatorApp:
    """The top-level ASGI app: ``/_emulator/...`` to the admin API, everything else to the API endpoint.

    The API endpoint is called with uvicorn's own ``send`` (no middleware in between), which the "drop" faults
    need to reach the connection.
    """

    def __init__(self, state: EmulatorState, api: ASGIApp, admin: ASGIApp, on_shutdown: Callable[[], None]) -> None:
        self.state = state
        self._api = api
        self._admin = admin
        self._on_shutdown = on_shutdown

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            target = self._admin if scope["path"].startswith(ADMIN_PREFIX) else self._api
            await target(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                self._on_shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return


def create_app(
    store: Store,
    clock: Clock,
    config: EmulatorConfig,
    *,
    monotonic: Callable[[], float] = time.monotonic,
    on_shutdown: Callable[[], None] = lambda: None,
) -> EmulatorApp:
    """Build the emulator over ``store`` (state), ``clock`` (emulator time) and ``config`` (credentials)."""
    state = EmulatorState(
        store=store,
        clock=clock,
        verifier=SignatureVerifier(dict(config.credentials), config.token),
        owner_uin=config.owner_uin,
        region=config.region,
        limiter=RateLimiter(monotonic),
    )
    state.load()
    identity = InstanceIdentity(os.getpid(), config.instance_id, config.db_path)
    admin = AdminGuard(admin_app(state, identity))
    return EmulatorApp(state, ApiEndpoint(state, action_table()), admin, on_shutdown)
