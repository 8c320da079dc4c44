"""The pre-flight against the emulator over real HTTP: which planned deletions Tencent Cloud or Pulumi will refuse."""

from __future__ import annotations

import datetime as dt

import pytest

from provider.review.access import ReadOnlyCaller, WriteRefused
from provider.review.plan import Step
from provider.review.preflight import preflight
from provider.ssl import DELETE_CODES, RefusedWithCode, SslService
from provider.tencentcloud import Client
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.project import WRITE_ACTIONS

pytestmark = pytest.mark.emulator


@pytest.fixture(autouse=True)
def no_rate_limit(emu: RunningEmulator) -> None:
    # The test client does not pace its calls (conftest's ``client``): several pre-flights in a row pass 10/s.
    emu.admin("PUT", "/_emulator/settings", {"RateLimit": False})


def upload(ssl: SslService, cn: str) -> str:
    cert, key = make_cert(cn)
    return ssl.upload(public_key=cert, private_key=key).certificate_id


def bind(emu: RunningEmulator, certificate_id: str, kind: str, resource: str) -> None:
    emu.admin(
        "POST", "/_emulator/bindings", {"CertificateId": certificate_id, "ResourceType": kind, "ResourceId": resource}
    )


def step(entry: str, op: str, certificate_id: str, **old: object) -> Step:
    return Step(entry=entry, op=op, certificate_id=certificate_id, old={"source": "upload", **old})


def test_bound_certificates_are_refused_unless_rotated_or_unchecked(ssl: SslService, emu: RunningEmulator) -> None:
    ids = {name: upload(ssl, f"{name}.example.com") for name in ("removed", "replaced", "unchecked", "free")}
    for name in ("removed", "replaced", "unchecked"):
        bind(emu, ids[name], "clb", f"lb-{name}")
    steps = [
        step("removed", "delete", ids["removed"]),
        step("replaced", "replace", ids["replaced"]),
        step("unchecked", "delete", ids["unchecked"], check_resources=False),
        step("free", "delete", ids["free"]),
        Step(entry="gone", op="delete", certificate_id="abcdefgh"),
    ]
    before = len(emu.calls())
    verdicts = preflight(steps, SslService(ReadOnlyCaller(ssl._client)), dt.datetime.now(dt.UTC))  # noqa: SLF001

    assert [verdicts[i].refused for i in range(5)] == [True, False, False, False, False]
    assert verdicts[0].bound == ("CLB: lb-removed",) and "Unbind" in verdicts[0].reasons[0]
    assert "moves them to the new certificate" in verdicts[1].notes[0]
    assert "check_resources is false" in verdicts[2].notes[0]
    assert "already gone" in verdicts[4].notes[0]
    assert not {c["Action"] for c in emu.calls()[before:]} & WRITE_ACTIONS


def test_a_free_certificate_younger_than_an_hour_is_refused_with_the_time_it_becomes_deletable(
    ssl: SslService, emu: RunningEmulator
) -> None:
    free_id = ssl.apply_certificate(domain="free.example.com")
    now = dt.datetime.now(dt.UTC)
    (verdict,) = preflight([step("free", "delete", free_id, source="free")], ssl, now).values()
    assert verdict.refused and "within an hour" in verdict.reasons[0] and "not before 20" in verdict.reasons[0]
    (later,) = preflight([step("free", "delete", free_id, source="free")], ssl, now + dt.timedelta(hours=2)).values()
    assert not later.refused


def test_protected_and_retained_deletions_are_judged_without_a_call(emu: RunningEmulator) -> None:
    steps = [
        Step(entry="kept", op="delete", certificate_id="aaaaaaaa", protect=True),
        Step(entry="left", op="delete", certificate_id="bbbbbbbb", retain=True),
    ]
    before = len(emu.calls())
    verdicts = preflight(steps, None, dt.datetime.now(dt.UTC))
    assert verdicts[0].refused and "protect" in verdicts[0].reasons[0]
    assert not verdicts[1].refused and "only leaves the stack's state" in verdicts[1].notes[0]
    assert len(emu.calls()) == before


def test_the_read_only_caller_refuses_a_write_before_it_is_sent(client: Client, emu: RunningEmulator) -> None:
    before = len(emu.calls())
    with pytest.raises(WriteRefused, match="DeleteCertificate"):
        ReadOnlyCaller(client).call("ssl", "2019-12-05", "DeleteCertificate", {"CertificateId": "aaaaaaaa"})
    assert len(emu.calls()) == before


def test_issued_paid_certificates_and_closed_projects_are_refused(ssl: SslService, emu: RunningEmulator) -> None:
    names = ("paid", "closed", "open")
    ids = {name: upload(ssl, f"{name}.example.com") for name in names}
    state = {"paid": {"Paid": True, "Status": 1}, "closed": {"ProjectId": 7}}
    for name, fields in state.items():
        emu.admin("POST", "/_emulator/certificate-state", {"CertificateId": ids[name], **fields})
    emu.admin("PUT", "/_emulator/settings", {"ForbiddenProjects": [7]})
    steps = [step(name, "delete", ids[name]) for name in names]
    before = len(emu.calls())
    verdicts = preflight(steps, SslService(ReadOnlyCaller(ssl._client)), dt.datetime.now(dt.UTC))  # noqa: SLF001

    assert [verdicts[i].refused for i in range(3)] == [True, True, False]
    [paid] = verdicts[0].reasons
    assert "issued paid certificate" in paid and "CannotBeDeletedIssued" in paid and ids["paid"] in paid
    assert "list `paid` under `release:`" in paid
    [closed] = verdicts[1].reasons
    assert "NoProjectPermission" in closed and "project permissions" in closed
    assert not {c["Action"] for c in emu.calls()[before:]} & WRITE_ACTIONS
    # What the pre-flight predicted is what the deletion then meets.
    emu.admin("PUT", "/_emulator/settings", {"RateLimit": False})
    refused = {}
    for name in names:
        try:
            ssl.delete_certificate(ids[name], check_resources=False)
        except Exception as error:  # noqa: BLE001 - the refusal's type is what is compared
            refused[name] = type(error).__name__
    assert refused == {"paid": "NeverDeletable", "closed": "AccountActionNeeded"}


def test_a_pending_deletion_is_rotated_only_onto_the_replacement_tagged_as_naming_it(
    ssl: SslService, emu: RunningEmulator
) -> None:
    # up finds the successor by the tags the replacement's create wrote (provider.rotation); the review asks the same.
    owner = "16959028cb08.6b2d97af4874"
    ids = {name: upload(ssl, f"{name}.example.com") for name in ("linked", "unlinked", "fixed")}
    for name in ids:
        bind(emu, ids[name], "clb", f"lb-{name}")
    cert, key = make_cert("new.example.com")
    tags = {"pulumi:owner": owner, "pulumi:replaces": ids["linked"]}
    tagged = ssl.upload(public_key=cert, private_key=key, tags=tags).certificate_id
    untagged = upload(ssl, "other.example.com")

    def pending(name: str, successor: str, **old: object) -> Step:
        return Step(entry=name, op="delete", certificate_id=ids[name], old={"source": "upload", "owner": owner, **old},
                    pending=True, successor=successor)  # fmt: skip

    steps = [
        pending("linked", tagged),
        pending("unlinked", untagged),  # the state names a replacement that does not carry the tag
        pending("fixed", tagged, rotate=False),
    ]
    before = len(emu.calls())
    verdicts = preflight(steps, SslService(ReadOnlyCaller(ssl._client)), dt.datetime.now(dt.UTC))  # noqa: SLF001

    assert [verdicts[i].refused for i in range(3)] == [False, True, True]
    assert f"the rotation will be retried: up moves them to {tagged}" in verdicts[0].notes[0]
    assert f"records {untagged} as its replacement" in verdicts[1].reasons[0]
    assert "pulumi:replaces=" + ids["unlinked"] in verdicts[1].reasons[0]
    assert "still bound to CLB: lb-fixed" in verdicts[2].reasons[0] and "records" not in verdicts[2].reasons[0]
    assert not {c["Action"] for c in emu.calls()[before:]} & WRITE_ACTIONS


def test_a_certificate_another_entry_adopts_in_the_plan_is_judged_moved_without_a_call(emu: RunningEmulator) -> None:
    steps = [Step(entry="legacy", op="delete", certificate_id="aaaaaaaa", adopted_by="legacy-api")]
    before = len(emu.calls())
    (verdict,) = preflight(steps, None, dt.datetime.now(dt.UTC)).values()
    assert not verdict.refused and not verdict.checked
    assert "entry legacy-api adopts aaaaaaaa in this change" in verdict.notes[0]
    assert len(emu.calls()) == before


def read_only(ssl: SslService) -> SslService:
    return SslService(ReadOnlyCaller(ssl._client))  # noqa: SLF001


def renewal(entry: str, certificate_id: str, cn: str, sans: tuple[str, ...] = ()) -> Step:
    """A replace whose planned upload is a certificate for ``cn`` (the public PEM only, as the preview has it)."""
    cert, _ = make_cert(cn, sans)
    return Step(entry=entry, op="replace", certificate_id=certificate_id, old={"source": "upload"},
                new={"source": "upload", "certificate": cert, "private_key": "[secret]"})  # fmt: skip


def test_a_rotation_onto_a_certificate_missing_a_bound_domain_is_refused_as_up_refuses_it(
    ssl: SslService, emu: RunningEmulator
) -> None:
    cdn_bound = upload(ssl, "www.example.com")
    bind(emu, cdn_bound, "cdn", "www.example.com")
    clb_bound = upload(ssl, "example.com")
    emu.admin("POST", "/_emulator/bindings", {"CertificateId": clb_bound, "ResourceType": "clb",
                                              "ResourceId": "lb-1|lbl-1", "Domains": ["example.com"]})  # fmt: skip
    bind(emu, clb_bound, "waf", "x.b.example.com")
    covered = upload(ssl, "shop.example.com")
    bind(emu, covered, "cdn", "shop.example.com")
    steps = [
        renewal("www", cdn_bound, "other.example.com"),
        renewal("apex", clb_bound, "*.example.com"),
        renewal("shop", covered, "shop.example.com"),
    ]
    before = len(emu.calls())
    verdicts = preflight(steps, read_only(ssl), dt.datetime.now(dt.UTC))

    assert [verdicts[i].refused for i in range(3)] == [True, True, False]
    assert "does not cover CDN www.example.com" in verdicts[0].reasons[0]
    assert "WAF x.b.example.com" in verdicts[1].reasons[0]
    assert "CLB listener lb-1|lbl-1 (example.com)" in verdicts[1].reasons[0]
    assert "up moves them to the new certificate (rotate)" in verdicts[2].notes[0]
    assert not {c["Action"] for c in emu.calls()[before:]} & WRITE_ACTIONS


def test_a_retried_rotation_onto_a_certificate_this_change_deletes_is_refused(
    ssl: SslService, emu: RunningEmulator
) -> None:
    # A pending rotation A -> B, then B's entry removed: up deletes B, has nothing to move A's resources to.
    owner = "16959028cb08.6b2d97af4874"
    first = upload(ssl, "www.example.com")
    bind(emu, first, "cdn", "www.example.com")
    cert, key = make_cert("www.example.com")
    second = ssl.upload(public_key=cert, private_key=key, tags={"pulumi:owner": owner, "pulumi:replaces": first})
    pending = Step(entry="www", op="delete", certificate_id=first, old={"source": "upload", "owner": owner},
                   pending=True, successor=second.certificate_id)  # fmt: skip
    removed = Step(entry="www", op="delete", certificate_id=second.certificate_id, old={"source": "upload"})

    alone = preflight([pending], read_only(ssl), dt.datetime.now(dt.UTC))
    assert not alone[0].refused and "the rotation will be retried" in alone[0].notes[0]
    both = preflight([pending, removed], read_only(ssl), dt.datetime.now(dt.UTC))
    assert both[0].refused and f"this change deletes {second.certificate_id} too" in both[0].reasons[0]
    assert not both[1].refused


def test_a_bound_regional_resource_makes_the_rotation_uncertain_naming_the_regions_searched(
    ssl: SslService, emu: RunningEmulator
) -> None:
    old = upload(ssl, "www.example.com")
    emu.admin("POST", "/_emulator/bindings", {"CertificateId": old, "ResourceType": "clb",
                                              "ResourceId": "lb-sh|lbl-1", "Region": "ap-shanghai"})  # fmt: skip
    listed = renewal("www", old, "www.example.com")
    listed = Step(**{**listed.__dict__, "new": {**listed.new, "deploy_regions": {"clb": ["ap-beijing"]}}})
    verdicts = preflight([renewal("www", old, "www.example.com"), listed], read_only(ssl), dt.datetime.now(dt.UTC),
                         "ap-guangzhou")  # fmt: skip
    for verdict in verdicts.values():
        assert not verdict.refused and "up moves them to the new certificate" in verdict.notes[0]
        assert "CertificateDeployInstanceEmpty" in verdict.uncertain[0]
    assert "only in ap-guangzhou (no deploy_regions" in verdicts[0].uncertain[0]
    assert "only in ap-beijing (the entry's deploy_regions)" in verdicts[1].uncertain[0]


def test_a_certificate_another_stack_took_over_is_left_in_place_as_up_leaves_it(
    ssl: SslService, emu: RunningEmulator
) -> None:
    mine, theirs = "16959028cb08.6b2d97af4874", "aaaaaaaaaaaa.bbbbbbbbbbbb"
    cert, key = make_cert("www.example.com")
    taken = ssl.upload(public_key=cert, private_key=key, tags={"pulumi:owner": theirs, "pulumi:claim": "c2"})
    bind(emu, taken.certificate_id, "cdn", "www.example.com")
    old = {"source": "upload", "owner": mine, "claim": "c1"}
    steps = [
        Step(entry="www", op="delete", certificate_id=taken.certificate_id, old=old),
        Step(entry="www", op="replace", certificate_id=taken.certificate_id, old=old,
             new={"source": "upload", "certificate": make_cert("other.example.com")[0]}),
    ]  # fmt: skip
    verdicts = preflight(steps, read_only(ssl), dt.datetime.now(dt.UTC))
    for verdict in verdicts.values():
        assert not verdict.refused and verdict.checked
        assert "is not deleted: it is now managed by another stack" in verdict.notes[0], verdict
        assert "moves them" not in " ".join(verdict.notes)


def test_every_refusal_a_paid_order_or_a_busy_status_brings_is_predicted_by_its_code(
    ssl: SslService, emu: RunningEmulator
) -> None:
    """The pre-flight names the code `up` then meets: a reissued order, an order not cancellable (status 0), an
    issued one, a status Tencent is working through (6, being cancelled); a plain upload is deletable."""
    state = {
        "reissued": {"Paid": True, "Status": 1, "OrderReplaced": True},
        "pending": {"Paid": True, "Status": 0},
        "issued": {"Paid": True, "Status": 1},
        "cancelling": {"Paid": True, "Status": 6},
        "plain": {},
    }
    ids = {name: upload(ssl, f"{name}.example.com") for name in state}
    for name, fields in state.items():
        if fields:
            emu.admin("POST", "/_emulator/certificate-state", {"CertificateId": ids[name], **fields})
    steps = [step(name, "delete", ids[name]) for name in state]
    verdicts = preflight(steps, SslService(ReadOnlyCaller(ssl._client)), dt.datetime.now(dt.UTC))  # noqa: SLF001
    longest_first = sorted(DELETE_CODES, key=len, reverse=True)
    predicted = {
        name: next((code for code in longest_first if code in " ".join(verdicts[i].reasons)), None)
        for i, name in enumerate(state)
    }
    met: dict[str, str | None] = {}
    for name in state:
        try:
            ssl.delete_certificate(ids[name], check_resources=False)
            met[name] = None
        except RefusedWithCode as error:
            met[name] = error.rule.code
    assert predicted == met
    assert met["reissued"] == "FailedOperation.OrderAlreadyReplaced"
    assert met["cancelling"] == "FailedOperation.InvalidCertificateStatusCode"
    assert [verdicts[i].refused for i in range(len(state))] == [True, True, True, True, False]
