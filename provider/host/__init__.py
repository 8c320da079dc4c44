"""The project's host for Python dynamic providers: ``python -m provider.host``, started by the engine through
``plugin/pulumi-resource-pulumi-python`` (named in Pulumi.yaml) in place of Pulumi's ``python -m pulumi.dynamic``.

It serves the same gRPC protocol with the same pickles, so states written under either host work with the other;
see ``servicer`` for what differs (concurrency, messages without tracebacks, old inputs, Cancel), ``parallel``
for the concurrency setting and ``liveness`` for stopping once the engine is gone. Importing the package starts
nothing.
"""

from __future__ import annotations

from .parallel import CONFIG_KEY, DEFAULT_PARALLEL, ENV_VAR, HostSettingError, operation_limit
from .server import main, serve

__all__ = ["CONFIG_KEY", "DEFAULT_PARALLEL", "ENV_VAR", "HostSettingError", "main", "operation_limit", "serve"]
