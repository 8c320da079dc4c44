"""The ResourceProvider gRPC service for Python dynamic providers, as the stock host serves it, with four changes.

Wire behaviour kept from ``pulumi/dynamic/__main__.py`` (SDK 3.272.0): each resource's pickled provider travels
under ``__provider``; one instance per distinct pickle, configured once with the stack config (``ProviderCache``);
Configure/Check/Diff/Create/Read/Update/Delete/Cancel/GetPluginInfo served, everything else UNIMPLEMENTED;
``__provider`` added back to every returned property set; Configure says it accepts no secrets.

Changes:
- Concurrency: operations run up to a configurable limit at once (``parallel``), not 4.
- Expected failures (``CertificateError`` and its subclasses, a bad host setting) reach the user as their message
  alone; anything else keeps its Python traceback, as a bug report needs it.
- Old inputs beneath old outputs: Diff, Update, Delete and Read give the provider ``{**old_inputs, **old_outputs}``
  (the engine sends both), so a large input the outputs do not echo (a PEM, a key) is still seen. A provider whose
  ``read`` returns ``inputs`` returns the complete inputs (it can: it saw the old ones); they replace the old ones.
- Cancel tells every cached provider that has a ``cancel()`` method, so long waits can stop early.
- Configured from the state (no CheckConfig first: refresh or destroy without --run-program), the host warns when
  the recorded ``tencentcloud:*`` settings differ from ``Pulumi.<stack>.yaml`` (``recorded``).
"""

from __future__ import annotations

import base64
import functools
import os
import sys
import threading
import traceback
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import dill  # type: ignore[import-untyped]
import grpc  # type: ignore[import-untyped]
from google.protobuf import empty_pb2  # type: ignore[import-untyped]

from provider.errors import CertificateError

from .parallel import Gate, HostSettingError, operation_limit
from .recorded import stale_settings, stale_settings_warning
from .sdk import (
    Config,
    ConfigureRequest,
    ResourceProvider,
    ResourceProviderServicer,
    Settings,
    configure,
    deserialize_context,
    from_struct,
    get_project,
    plugin_pb2,
    provider_pb2,
    rpc,
    to_struct,
)

__all__ = ["EXPECTED_ERRORS", "PLUGIN_VERSION", "PROVIDER_KEY", "HostServicer", "ProviderCache"]

PROVIDER_KEY = "__provider"
PLUGIN_VERSION = "0.1.0"  # what the stock host reports
#: Failures whose message is the whole story for the user: no traceback.
EXPECTED_ERRORS: tuple[type[Exception], ...] = (CertificateError, HostSettingError)

_Reply = TypeVar("_Reply")
_Method = Callable[[Any, Any, grpc.ServicerContext], _Reply]


def _settle_runtime() -> None:
    # The SDK's settings are context variables, so each serving thread sets them, as the stock host does.
    configure(Settings(project=os.environ.get("PULUMI_PROJECT", "project"), stack="stack", organization="organization"))


class ProviderCache:
    """One provider instance per distinct pickle, unpickled and configured once (``_PROVIDER_CACHE``)."""

    def __init__(self) -> None:
        self._providers: dict[str, ResourceProvider] = {}
        self._lock = threading.Lock()  # also keeps dill.loads to one thread (pulumi/pulumi#14159)

    def get(self, props: Mapping[str, Any], config: Mapping[str, Any]) -> ResourceProvider:
        _settle_runtime()
        pickled = props[PROVIDER_KEY]
        provider = self._providers.get(pickled)
        if provider is None:
            with self._lock:
                provider = self._providers.get(pickled)
                if provider is None:
                    provider = deserialize_context(lambda: dill.loads(base64.b64decode(pickled)))
                    provider.configure(ConfigureRequest(Config(raw_config=dict(config), project_name=get_project())))
                    self._providers[pickled] = provider
        return provider

    def all(self) -> list[ResourceProvider]:
        with self._lock:
            return list(self._providers.values())


def _fail(context: grpc.ServicerContext) -> NoReturn:
    """Abort the call with the current exception: its message if expected, else its traceback."""
    error = sys.exc_info()[1]
    if isinstance(error, EXPECTED_ERRORS):
        context.abort(grpc.StatusCode.UNKNOWN, str(error) or type(error).__name__)
    context.abort(grpc.StatusCode.UNKNOWN, traceback.format_exc())
    raise AssertionError("grpc's abort() returned")  # it always raises


def _operation(method: _Method[_Reply]) -> _Method[_Reply]:
    """Run ``method`` within the concurrency limit, reporting its failure as ``_fail`` does."""

    @functools.wraps(method)
    def wrapper(self: HostServicer, request: Any, context: grpc.ServicerContext) -> _Reply:
        try:
            if self.setting_error is not None:
                raise self.setting_error
            with self.gate:
                return method(self, request, context)
        except Exception:
            _fail(context)

    return wrapper


def _unimplemented(context: grpc.ServicerContext, name: str) -> NoReturn:
    context.set_code(grpc.StatusCode.UNIMPLEMENTED)
    context.set_details(f"{name} is not implemented by the dynamic provider")
    raise NotImplementedError(f"{name} is not implemented by the dynamic provider")


class HostServicer(ResourceProviderServicer):
    """The service; ``gate`` bounds concurrent operations and is resized by Configure."""

    def __init__(self, gate: Gate, environ: Mapping[str, str] | None = None) -> None:
        self.gate = gate
        self.cache = ProviderCache()
        self._environ = os.environ if environ is None else environ
        self._config: dict[str, Any] = {}
        self._config_checked = False
        self.setting_error: HostSettingError | None = None

    # As in the stock host; every other method of the service is the generated base's UNIMPLEMENTED.
    def CheckConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        # The engine checks the config of a provider the program registers; one it loads from the state it does not.
        self._config_checked = True
        _unimplemented(context, "CheckConfig")

    def DiffConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        _unimplemented(context, "DiffConfig")

    def Invoke(self, request: Any, context: grpc.ServicerContext) -> Any:
        _unimplemented(context, "Invoke")

    def GetSchema(self, request: Any, context: grpc.ServicerContext) -> Any:
        _unimplemented(context, "GetSchema")

    def List(self, request: Any, context: grpc.ServicerContext) -> Any:
        _unimplemented(context, "List")

    def Configure(self, request: Any, context: grpc.ServicerContext) -> Any:
        """Keep the stack config (secrets decrypted) for providers configured later; size the gate from it."""
        config = {k: rpc.unwrap_rpc_secret(v) for k, v in from_struct(request.args).items()}
        try:
            self.gate.resize(operation_limit(config, self._environ))
            self.setting_error = None
        except HostSettingError as error:
            # Reported by each operation rather than here: a failed Configure makes the engine cancel the program,
            # whose SDK then prints a traceback of its own under the message.
            self.setting_error = error
        self._config = config
        if not self._config_checked:  # the config the last `up` recorded in the state (refresh, destroy)
            stale = stale_settings(config, request.urn, Path.cwd())
            if stale:
                print(stale_settings_warning(stale, request.urn), file=sys.stderr, flush=True)
        return provider_pb2.ConfigureResponse(acceptSecrets=False)

    def GetPluginInfo(self, request: Any, context: grpc.ServicerContext) -> Any:
        return plugin_pb2.PluginInfo(version=PLUGIN_VERSION)

    def Cancel(self, request: Any, context: grpc.ServicerContext) -> Any:
        """The engine is stopping: providers that can end their waits early are told (never behind the gate)."""
        for provider in self.cache.all():
            cancel = getattr(provider, "cancel", None)
            if callable(cancel):
                try:
                    cancel()
                except Exception:  # a provider's failure to cancel must not fail the engine's shutdown
                    traceback.print_exc(file=sys.stderr)
        return empty_pb2.Empty()

    def _provider(self, news: Mapping[str, Any], olds: Mapping[str, Any]) -> ResourceProvider:
        # In a preview the new pickle can be unknown; the old one then serves.
        return self.cache.get(olds if news.get(PROVIDER_KEY) == rpc.UNKNOWN else news, self._config)

    @_operation
    def Check(self, request: Any, context: grpc.ServicerContext) -> Any:
        olds, news = from_struct(request.olds, True), from_struct(request.news, True)
        result = self._provider(news, olds).check(olds, news)
        inputs = {**result.inputs, PROVIDER_KEY: news[PROVIDER_KEY]}
        failures = [provider_pb2.CheckFailure(property=f.property, reason=f.reason) for f in result.failures]
        return provider_pb2.CheckResponse(inputs=to_struct(inputs), failures=failures)

    @_operation
    def Diff(self, request: Any, context: grpc.ServicerContext) -> Any:
        olds = {**from_struct(request.old_inputs, True), **from_struct(request.olds, True)}
        news = from_struct(request.news, True)
        result = self._provider(news, olds).diff(request.id, olds, news)
        fields: dict[str, Any] = {}
        if result.changes is None:
            fields["changes"] = provider_pb2.DiffResponse.DIFF_UNKNOWN
        else:
            some = result.changes
            fields["changes"] = provider_pb2.DiffResponse.DIFF_SOME if some else provider_pb2.DiffResponse.DIFF_NONE
        if result.replaces is not None:
            fields["replaces"] = result.replaces
        if result.delete_before_replace is not None:
            fields["deleteBeforeReplace"] = result.delete_before_replace
        return provider_pb2.DiffResponse(**fields)

    @_operation
    def Create(self, request: Any, context: grpc.ServicerContext) -> Any:
        props = from_struct(request.properties)
        result = self.cache.get(props, self._config).create(props)
        outs = {**(result.outs or {}), PROVIDER_KEY: props[PROVIDER_KEY]}
        return provider_pb2.CreateResponse(id=result.id, properties=to_struct(outs))

    @_operation
    def Read(self, request: Any, context: grpc.ServicerContext) -> Any:
        # On refresh the engine sends the old outputs and inputs; on a user-driven get only the inputs.
        props = {**from_struct(request.inputs), **from_struct(request.properties)}
        result = self.cache.get(props, self._config).read(request.id, props)
        fields: dict[str, Any] = {
            "id": result.id,
            "properties": to_struct({**(result.outs or {}), PROVIDER_KEY: props[PROVIDER_KEY]}),
        }
        if result.inputs is not None:  # they replace the stored inputs, so the next diff sees refreshed values
            fields["inputs"] = to_struct({**result.inputs, PROVIDER_KEY: props[PROVIDER_KEY]})
        return provider_pb2.ReadResponse(**fields)

    @_operation
    def Update(self, request: Any, context: grpc.ServicerContext) -> Any:
        olds = {**from_struct(request.old_inputs), **from_struct(request.olds)}
        news = from_struct(request.news)
        result = self.cache.get(news, self._config).update(request.id, olds, news)
        outs = {**(result.outs or {}), PROVIDER_KEY: news[PROVIDER_KEY]}
        return provider_pb2.UpdateResponse(properties=to_struct(outs))

    @_operation
    def Delete(self, request: Any, context: grpc.ServicerContext) -> Any:
        props = {**from_struct(request.old_inputs), **from_struct(request.properties)}
        self.cache.get(props, self._config).delete(request.id, props)
        return empty_pb2.Empty()
