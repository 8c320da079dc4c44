"""A faithful local emulator of Tencent Cloud's SSL certificate API (2019-12-05) and a slice of the Tag API.

``create_app(...)`` builds the ASGI application; ``python -m emulator --help`` runs it on loopback.
"""

from __future__ import annotations

from emulator.app import create_app

__all__ = ["create_app"]
