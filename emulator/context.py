"""What an action handler gets (``Context``) and how an action is declared (``Action``)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from emulator.params import Spec
from emulator.settings import Settings
from emulator.store import Store

__all__ = ["Action", "Context", "Handler", "SSL", "TAG"]

SSL = ("ssl", "2019-12-05")
TAG = ("tag", "2018-08-13")


@dataclass(frozen=True)
class Context:
    """One validated request, inside a store transaction; ``now`` is the emulator clock."""

    store: Store
    now: float
    settings: Settings
    params: dict[str, Any]
    secret_id: str
    owner_uin: str
    region: str


Handler = Callable[[Context], dict[str, Any]]


@dataclass(frozen=True)
class Action:
    """A row of the action table: ``X-TC-Action`` -> service, version, parameter schema and handler."""

    name: str
    service: str
    version: str
    schema: Mapping[str, Spec]
    handler: Handler


def action(service: tuple[str, str], name: str, schema: Mapping[str, Spec]) -> Callable[[Handler], Action]:
    """Decorator declaring a handler as an action of ``service`` (``SSL`` or ``TAG``)."""

    def wrap(handler: Handler) -> Action:
        return Action(name, service[0], service[1], schema, handler)

    return wrap
