"""Tencent Cloud SSL certificates as Pulumi resources: ``CertificateProvider`` (dynamic provider) and ``Certificate``.

The resource class and its arguments live in ``provider.resource`` and are re-exported here.

The provider is pickled **by reference** into every resource's state as ``provider.certificate.CertificateProvider``:
this module path and class name are a compatibility promise (moving them breaks refresh and delete of existing
stacks). Importing this module has no side effects; the pickle holds no state at all (see ``__getstate__``), so no
credential can reach it. Credentials, endpoint and region come from the stack config (``configure()``, namespace
``tencentcloud``) or the ``TENCENTCLOUD_*`` environment, read when the first API call needs them.

Diff design (why ``changes=None``): the Python dynamic server forwards ``changes`` and ``replaces`` but drops
``stables``/``diffs``/``detailedDiff`` (pulumi/dynamic/__main__.py, ``Diff``), so a diff answering ``changes=True``
leaves the engine with no changed-key list and ``preview --diff`` with no field names. ``diff`` therefore answers
``changes=False`` when no managed field changed (bookkeeping inputs and ``__provider`` never cause a step), and
otherwise ``changes=None`` (DIFF_UNKNOWN): the engine then diffs old and new inputs itself and shows each changed
field, while ``replaces`` (which the server does forward) names the fields that force a replacement.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi.dynamic as dyn
from pulumi.output import Unknown

from .creation import Creator
from .deletion import Deleter
from .errors import CertificateError
from .handover import Handover
from .identity import StackIdentity
from .inputs import (
    DEFAULT_CREATE_TIMEOUT,
    DEFAULT_DELETE_TIMEOUT,
    NO_STEP_FIELDS,
    REPLACE_FIELDS,
    SOURCES,
    UNKNOWN,
    CertificateInputs,
    as_bool,
    entry_name,
    field_changed,
    input_names,
    is_unknown,
    normalise_inputs,
    recorded_claim,
    recorded_expiry,
    recorded_predecessor,
    recorded_predecessors,
)
from .leftovers import name_left_behind
from .outputs import OUTPUT_NAMES, STALE_INPUTS, outputs
from .ownership import names_identity, owner_token
from .pem import normalise_pem
from .reconcile import reconcile
from .refresh import refresh
from .renames import moved_mark, refuse_unmade_renames
from .resource import RELEASED, Certificate, CertificateArgs
from .rotation import due_for_renewal, lingering, renewal_note, waiting_deletions
from .rules import CLAIM_TAG, CREATE_TAG, OWNER_TAG, REPLACES_TAG, waiting_mark
from .settings import CONFIG_KEYS, build_service, merged_settings, read_settings
from .sharing import Shared
from .ssl import Case, CertificateNotFound, SslService
from .tencentcloud.config import ClientSettings
from .tencentcloud.credentials import Credentials
from .tencentcloud.errors import TencentCloudError
from .validation import check_inputs
from .waiting import Timing

__all__ = [
    "CLAIM_TAG",
    "CONFIG_KEYS",
    "CREATE_TAG",
    "DEFAULT_CREATE_TIMEOUT",
    "DEFAULT_DELETE_TIMEOUT",
    "OUTPUT_NAMES",
    "OWNER_TAG",
    "REPLACE_FIELDS",
    "SOURCES",
    "Certificate",
    "CertificateArgs",
    "CertificateError",
    "CertificateProvider",
    "StackIdentity",
    "Timing",
    "input_names",
    "names_identity",
    "normalise_pem",
    "owner_token",
]

TYPE_TOKEN = "pulumi-python:dynamic/tencentcloud:Certificate"


# -------------------------------------------------------------------------------------------------- provider


def engine_unknowns(props: Mapping[str, Any]) -> dict[str, Any]:
    """``props`` with every value not known yet (preview) spelled as the engine's marker, ``UNKNOWN``.

    The hosts deserialise an unknown as a ``pulumi.output.Unknown`` object, which the helpers of ``provider.inputs``
    do not recognise (they take plain values): ``str()`` would turn it into its repr, and the planned inputs of a
    new stack's certificates (their ``owner`` derives from the stack identity, made by the first ``up``) would hold
    that text, which ``up --plan`` then finds changed. The marker goes back to the engine as an unknown.
    """
    return {k: _plain_unknown(v) for k, v in props.items()}


def _plain_unknown(value: Any) -> Any:
    if isinstance(value, Unknown):
        return UNKNOWN
    if isinstance(value, dict):
        return {k: _plain_unknown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain_unknown(v) for v in value]
    return value


class CertificateProvider(dyn.ResourceProvider):
    """The dynamic provider behind ``Certificate``; one instance serves up to four engine calls at once.

    ``service_factory``, ``timing`` and ``progress`` are for tests; none of them is pickled. The work of each call
    lives in its own module: ``validation`` (check), ``inputs`` (diff), ``creation``, ``deletion``, ``outputs``.
    """

    def __init__(
        self,
        *,
        service_factory: Callable[[], SslService] | None = None,
        timing: Timing | None = None,
        progress: Callable[[str], None] | None = None,
        environ: Mapping[str, str] | None = None,
    ) -> None:
        self._service_factory = service_factory
        self._timing = timing or Timing()
        self._progress = progress
        self._environ = environ
        self._config: dict[str, str] = {}
        self._lock = threading.Lock()
        self._service: SslService | None = None
        self._shared_calls: Shared | None = None
        # What diff learns for the create and delete calls later in the same run (provider.handover).
        self._handover = Handover()

    # The pickle stores only the class reference: no configuration, client, lock or credential.
    def __getstate__(self) -> dict[str, Any]:
        return {}

    def __setstate__(self, state: Mapping[str, Any]) -> None:
        type(self).__init__(self)

    def configure(self, req: dyn.ConfigureRequest) -> None:
        """Remember the ``tencentcloud:*`` stack config (secrets arrive decrypted); the client is built later."""
        config = {}
        for key in CONFIG_KEYS:
            value = req.config.get(key)
            if value is not None and str(value).strip():
                config[key] = str(value).strip()
        with self._lock:
            self._config = config
            self._service = None
        # A malformed endpoint or half a key pair fails `pulumi preview` here, before any resource is checked;
        # missing credentials do not (preview makes no API call), they fail at the first call.
        self._read_settings(self._settings())

    def close(self) -> None:
        """Close the API client (the provider process normally keeps it until it exits)."""
        with self._lock:
            service, self._service = self._service, None
        if service is not None and self._service_factory is None:
            service.close()

    def _settings(self) -> dict[str, str]:
        return merged_settings(self._config, os.environ if self._environ is None else self._environ)

    def _ssl(self) -> SslService:
        with self._lock:
            if self._service is None:
                self._service = self._service_factory() if self._service_factory else self._build_service()
            return self._service

    def _shared(self) -> Shared:
        """The calls this process's operations share (task polls, listing, mark drops), for the current service."""
        ssl = self._ssl()
        with self._lock:
            if self._shared_calls is None or self._shared_calls.ssl is not ssl:
                self._shared_calls = Shared.over(ssl, self._timing)
            return self._shared_calls

    def _read_settings(self, settings: Mapping[str, str]) -> tuple[Credentials | None, ClientSettings]:
        return read_settings(settings, self._config)

    def _build_service(self) -> SslService:
        return build_service(self._settings(), self._config)

    def _say(self, message: str) -> None:
        # The engine shows a dynamic provider's output; stdout carries the gRPC port line, so use stderr.
        if self._progress is not None:
            self._progress(message)
        else:
            print(message, file=sys.stderr, flush=True)

    # -- check

    def check(self, _olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        """Validate every field before any API call; one CheckFailure per bad field; normalise numbers and PEM."""
        self._handover.checked()
        news, _olds = engine_unknowns(news), engine_unknowns(_olds)
        if news.get(RELEASED):
            return self._check_released(_olds, news)
        inputs = {k: v for k, v in news.items() if k != "__provider"}
        failures = [dyn.CheckFailure(f.property, f.reason) for f in check_inputs(inputs, self._timing.now())]
        source = inputs.get("source")  # raw: the source picks the schema, and a bad or unknown one has none
        if not failures and isinstance(source, str) and source in SOURCES:
            inputs = normalise_inputs(inputs, source)
        return dyn.CheckResult(inputs, failures)

    def _check_released(self, olds: dict[str, Any], news: dict[str, Any]) -> dyn.CheckResult:
        """A ``release:`` name keeps the inputs the state recorded: no change, no API call, only retained."""
        recorded = {k: v for k, v in olds.items() if k != "__provider"}
        if recorded.get("source") in SOURCES:
            entry = recorded.get("entry") or news.get("entry")
            self._say(
                f"{entry}: released: its certificate stays in Tencent Cloud and the stack now only retains it; take "
                f"{entry} out of release: and run `pulumi up` to drop it from the state. A deletion task Tencent was "
                "already running for it (an earlier run timed out waiting for it, or was killed) cannot be stopped: "
                "Tencent finishes it"
            )
            # retain: the certificate this one replaced, if its deletion is still pending, is let go of too (diff
            # hands the setting to that delete, provider.handover); it changes nothing else.
            return dyn.CheckResult({**recorded, "retain": True}, [])
        entry = news.get("entry")
        reason = (
            f"{entry} is listed under release: but this stack manages no certificate called {entry!r}; take it out "
            "of release:"
        )
        inputs = {k: v for k, v in news.items() if k != "__provider"}
        return dyn.CheckResult(inputs, [dyn.CheckFailure(RELEASED, reason)])

    # -- diff

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.DiffResult:
        """Replace for the certificate's identity, update for alias/project/tags/delete settings, else nothing.

        ``olds`` are the old outputs, which echo the inputs but the PEM and key (alias, project_id and tags as last
        read from Tencent), with the old inputs under them when the host passes those.
        A certificate this one recorded replacing that is still waiting to be deleted is reported (the engine says
        nothing) and is a change: ``preview --expect-no-changes`` fails while a deletion is pending.
        A replacement is remembered for the create that follows (``provider.handover``).
        """
        news, olds = engine_unknowns(news), engine_unknowns(olds)
        predecessors = recorded_predecessors(olds)
        entry = entry_name(olds, _id)
        retain = as_bool(news.get("retain"), False) if not is_unknown(news.get("retain")) else False
        pending = [p for p in predecessors if p != _id and self._warn_lingering(entry, p, _id, retain)]
        unlinked = self._warn_waiting(entry, str(olds.get("owner") or ""), _id, predecessors)
        renamed_to = news.get("owner")
        if isinstance(renamed_to, str) and not is_unknown(renamed_to) and renamed_to != olds.get("owner"):
            # A rename (renamed_from) not yet recorded: a killed run's replacement carries the new name's mark.
            self._warn_left_behind(entry, renamed_to, _id, predecessors)
        result = self._diff(_id, olds, news, bool(pending) or unlinked)
        if result.replaces and olds.get("owner"):
            # A renewal: the last run to read the entry's marks before its certificate changes, so what a killed run
            # left for it is named now (one read by owner, only for a replacement: an unchanged preview makes none).
            self._warn_left_behind(entry, str(olds["owner"]), _id, predecessors)
        # A retained certificate is dropped from the state, never deleted: its replacement replaces nothing.
        kept = any(as_bool(state.get("retain"), False) for state in (olds, news))
        replaced = bool(result.replaces) and not kept
        self._handover.diffed(_id, news, replaced=replaced, predecessors=predecessors, pending=pending)
        return result

    def _diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any], pending: bool) -> dyn.DiffResult:
        # The raw values decide what changed (field_changed compares spellings and sees unknowns); the typed ones
        # which fields there are, whether a renewal is due, whether an adoption is of this very certificate.
        new, old = CertificateInputs.parse(news), CertificateInputs.parse(olds)
        if new.renamed_from:
            refuse_unmade_renames(self._ssl(), _id, olds, new)
        names = set(input_names(new.source)) | set(input_names(old.source))
        changed = [n for n in sorted(names - NO_STEP_FIELDS) if field_changed(n, olds, news)]
        expiry = due_for_renewal(recorded_expiry(olds), new.renew_before, self._timing.now())
        if expiry is not None and new.source in ("free", "upload"):
            self._say(renewal_note(new.entry, _id, new.source, expiry, new.renew_before))
            if new.source == "free" and not changed:  # a renewal: the replacement applies for a new one
                return dyn.DiffResult(changes=True, replaces=["free_domain"])
        if not changed:
            # The update a pending deletion shows changes nothing but the record; `up` retries the deletion.
            return dyn.DiffResult(changes=pending)
        if new.source == "adopt" and new.adopt_id == _id:
            # Adopting the certificate this resource already is (an upload or free entry switched to `adopt: <its
            # own id>`): the same certificate under a new source, an update. As a replacement the engine would
            # adopt it and then delete it as the old one.
            return dyn.DiffResult(changes=None, replaces=[])
        replaces = [n for n in changed if n in REPLACE_FIELDS]
        # changes=None: the engine names the changed keys from old and new inputs, unless a refresh left those stale.
        return dyn.DiffResult(changes=True if olds.get(STALE_INPUTS) else None, replaces=replaces)

    def _warn_waiting(self, entry: str, owner: str, current: str, predecessors: Sequence[str]) -> bool:
        """Warn of the entry's other certificates whose failed deletion is still pending, which no link of this
        resource's state names (linked by tag only after `pulumi up --replace`, or a replacement lost outside Pulumi);
        whether any is.

        Nothing the engine passes ``diff`` can tell: it gives this resource's state only, not the pending-delete one
        of the same name, and no link in this state names it. So the stack's marked certificates are read (by their
        ``pulumi:waiting`` value), once per process for every diff (``provider.sharing``), and only when the entry
        has an owner mark."""
        if not owner:
            return False
        try:
            marked = self._shared().waiting.get(waiting_mark(owner))
            waiting = waiting_deletions(marked, owner, current, predecessors)
        except (TencentCloudError, CertificateError):
            return False  # no credentials (a preview may run without) or no answer: nothing known to report
        for other in waiting:
            self._say(
                f"warning: {entry}: certificate {other}, an earlier certificate of this entry, is still waiting to be "
                f"deleted (its last deletion failed). `pulumi up` tries again; what is bound to it moves only to a "
                f"certificate recording that it replaces it (tag {REPLACES_TAG}={other})"
            )
        return bool(waiting)

    def _warn_left_behind(self, entry: str, owner: str, current: str, predecessors: Sequence[str]) -> None:
        """Name what a killed run left marked ``owner`` (provider.leftovers); one read, only for a rename's or a
        replacement's diff."""
        try:
            ssl = self._ssl()
        except CertificateError:
            return  # no credentials (a preview may run without): nothing known to report
        name_left_behind(ssl, self._say, entry, owner, current, predecessors)

    def _warn_lingering(self, entry: str, predecessor: str, successor: str, retain: bool) -> bool:
        """Warn when the recorded predecessor still exists; whether it does (or could not be checked)."""
        try:
            warning = lingering(self._ssl(), entry, predecessor, successor, retain=retain)
        except TencentCloudError as error:
            warning = f"warning: {entry}: could not check whether certificate {predecessor} is still waiting to be "
            warning += f"deleted: {error}"
        if warning:
            self._say(warning)
        return warning is not None

    # -- create

    def create(self, props: dict[str, Any]) -> dyn.CreateResult:
        """Upload, apply for (free DV) or adopt a certificate; return its id and complete outputs."""
        spec = CertificateInputs.parse(props)
        creator = Creator(self._ssl(), self._timing, self._say, self._shared())
        # The certificate this create replaces, as the engine's diff of the old resource said moments ago.
        replaces = self._handover.replaced_by_create(spec.owner)
        if spec.source == "adopt":
            made = creator.adopt(spec, replaces)
        elif spec.source == "free":
            made = creator.apply(spec, replaces)
        else:
            made = creator.upload(spec, replaces)
        self._handover.created(spec.owner, made.detail.certificate_id)
        outs = outputs(spec, made.detail, made.tags, made.claim, made.predecessor)
        return dyn.CreateResult(made.detail.certificate_id, outs)

    # -- read

    def read(self, id_: str, props: dict[str, Any]) -> dyn.ReadResult:
        """Refresh from the listing concurrent reads share (``provider.refresh``); gone -> empty id (dropped)."""
        try:
            found = refresh(self._ssl(), self._shared(), id_, props)
        except TencentCloudError as error:
            # Not a CertificateError, the engine would show a Python traceback instead of the reason.
            raise CertificateError(
                f"{entry_name(props, id_)}: reading certificate {id_} from Tencent Cloud failed: {error}. The state "
                "is unchanged; run `pulumi refresh` again once Tencent Cloud answers"
            ) from None
        if found is None:
            return dyn.ReadResult(None, {})
        return dyn.ReadResult(id_, found.outputs, found.inputs)

    # -- update

    def update(self, id_: str, olds: dict[str, Any], news: dict[str, Any]) -> dyn.UpdateResult:
        """ModifyCertificateAlias/Project and tags as needed; returns the complete outputs."""
        ssl = self._ssl()
        spec, old = CertificateInputs.parse(news), CertificateInputs.parse(olds)
        entry = spec.entry
        # A value the old outputs lack is read from Tencent (None); changing tags needs the full current set, the
        # provider's own tags included, so a tag change reads them too.
        old_tags = old.tags if "tags" in olds and old.tags == spec.tags else None
        try:
            current, mark = moved_mark(ssl, id_, old.owner, spec.owner)  # a renamed entry's mark follows it
            tags = reconcile(
                ssl,
                entry,
                id_,
                spec,
                alias=old.alias if "alias" in olds else None,
                project=old.project_id if "project_id" in olds else None,
                tags=old_tags if current is None else current,
                provider_tags=mark,
            )
            detail = ssl.describe_certificate_detail(id_)
        except CertificateNotFound:
            raise CertificateError(
                f"{entry}: certificate {id_} no longer exists in Tencent Cloud (deleted outside Pulumi); run "
                "`pulumi refresh` to drop it from the state, then `pulumi up` to create it again"
            ) from None
        except TencentCloudError as error:
            raise CertificateError(f"{entry}: updating certificate {id_} failed: {error}") from None
        return dyn.UpdateResult(outputs(spec, detail, tags, recorded_claim(olds), recorded_predecessor(olds)))

    # -- delete

    def delete(self, id_: str, props: dict[str, Any]) -> None:
        """DeleteCertificate, then wait for the deletion task; raise (keeping the state) unless it is gone."""
        steering = self._handover.steering(id_)
        owner = str(props.get("owner") or "")
        # Replaced without a diff (`pulumi up --replace`): the certificate this run created for the entry is the
        # successor, a link its create could not record (no diff named the old one).
        unlinked = "" if steering is not None else self._handover.replaced_in_run(owner, id_)
        case = Case.REPLACEMENT if steering is not None or unlinked else Case.REMOVAL
        if steering is None and not self._handover.program_ran:
            case = Case.DESTROY
        taken = self._handover.made_in_run(owner, id_)
        Deleter(self._ssl(), self._timing, self._say, self._shared()).delete(
            id_, props, steering, case, unlinked, taken_in_run=taken
        )
