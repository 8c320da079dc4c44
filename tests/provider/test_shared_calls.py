"""Calls shared between concurrent operations of one provider (``provider.sharing``), counted in the emulator's
call log: creates, refreshes and deletions of many certificates at once, each in a thread of its own, as the
provider's host runs them."""

from __future__ import annotations

import threading
import time
from collections import Counter
from typing import Any

import pytest

from provider.certificate import CREATE_TAG, OWNER_TAG, CertificateProvider, names_identity, owner_token
from provider.ownership import stack_key
from provider.rotation import mark_waiting
from provider.rules import DEPLOY_TAG, NO_RECORD, WAITING_TAG, waiting_mark
from provider.sharing import Shared
from provider.ssl import SslService
from provider.ssl.shared import ByIdReads, MarkDrops, OnceRead, OnceReads
from provider.waiting import Timing
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.provider_calls import checked, create, upload_inputs
from support.threads import run_together

pytestmark = pytest.mark.emulator


def entry_inputs(index: int) -> dict[str, Any]:
    """Inputs of entry ``e<index>``, a certificate of its own."""
    cert, key = make_cert(f"e{index}.example.com")
    owner = owner_token(names_identity("proj", "dev"), f"e{index}")
    return upload_inputs(cert, key, entry=f"e{index}", owner=owner, alias=f"e{index}")


def create_all(provider: CertificateProvider, inputs: list[dict[str, Any]]) -> dict[int, tuple[str, dict[str, Any]]]:
    made: dict[int, tuple[str, dict[str, Any]]] = {}
    props = [checked(provider, i) for i in inputs]  # check() runs before the engine sends the creates

    def work(index: int) -> None:
        result = provider.create(props[index])
        assert result.outs is not None
        made[index] = (result.id, result.outs)

    assert run_together([lambda i=i: work(i) for i in range(len(inputs))]) == []
    return made


def test_concurrent_creates_cost_at_most_2_2_calls_each(emu: RunningEmulator, provider: CertificateProvider) -> None:
    inputs = [entry_inputs(i) for i in range(20)]
    emu.admin("DELETE", "/_emulator/calls")
    made = create_all(provider, inputs)
    calls = Counter(c["Action"] for c in emu.calls())
    assert sum(calls.values()) <= 2.2 * 20, calls
    assert calls["UploadCertificate"] == 20 and calls["DescribeCertificateDetail"] == 20
    # The in-flight marks went in calls of up to ten certificates; nothing searched for a create's mark.
    untags = [c for c in emu.calls() if c["Action"] == "UnTagResources"]
    assert all(len(c["Params"]["ResourceList"]) <= 10 for c in untags) and len(untags) <= 3
    assert all("Tags" not in c["Params"] for c in emu.calls() if c["Action"] == "DescribeCertificates")
    # Every guarantee of a single create holds: one certificate per entry, its owner and claim, no in-flight mark.
    stored = {c["CertificateId"]: c for c in emu.certificates()}
    assert sorted(stored) == sorted(cert_id for cert_id, _ in made.values())
    for index, (cert_id, outs) in made.items():
        tags = stored[cert_id]["Tags"]
        assert CREATE_TAG not in tags and tags[OWNER_TAG] == inputs[index]["owner"]
        assert tags["pulumi:claim"] == outs["claim"] and outs["alias"] == f"e{index}"


def test_refresh_of_many_certificates_uses_few_calls(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider
) -> None:
    inputs = [entry_inputs(i) for i in range(30)]
    made = create_all(provider, inputs)
    drifted, gone = made[0][0], made[1][0]
    ssl.modify_alias(drifted, "console-edit")
    ssl.change_tags(drifted, replace={"extra": "1"})
    ssl.delete_certificate(gone, check_resources=False)
    emu.admin("DELETE", "/_emulator/calls")
    results: dict[int, Any] = {}

    def read(index: int) -> None:
        cert_id, outs = made[index]
        # Old inputs beneath old outputs, as provider.host passes them.
        results[index] = provider.read(cert_id, {**inputs[index], **outs, "__provider": "pickled"})

    assert run_together([lambda i=i: read(i) for i in range(30)]) == []
    calls = Counter(c["Action"] for c in emu.calls())
    # A few reads by id for all thirty (never a listing of the account), and one detail read for the certificate
    # without a row.
    assert sum(calls.values()) <= 0.2 * 30, calls
    listed = [c["Params"] for c in emu.calls() if c["Action"] == "DescribeCertificates"]
    assert all(p.get("CertIds") for p in listed) and sum(len(p["CertIds"]) for p in listed) == 30, listed
    assert calls["DescribeCertificateDetail"] == 1 and calls["DescribeResourceTagsByResourceIds"] == 0
    assert results[1].id is None and results[1].outs == {}  # deleted out of band: dropped from the state
    assert results[0].outs["alias"] == "console-edit" and results[0].inputs["alias"] == "console-edit"
    assert results[0].outs["tags"] == {"env": "prod", "extra": "1"}
    for index in range(2, 30):
        cert_id, outs = made[index]
        fresh = results[index].outs
        # Unchanged certificates read back exactly as recorded, the fingerprint kept from the recorded outputs.
        assert results[index].id == cert_id and fresh == outs, index


def test_a_refresh_sees_a_change_made_after_an_earlier_refresh(ssl: SslService, provider: CertificateProvider) -> None:
    cert_id, outs = create(provider, entry_inputs(0))
    assert provider.read(cert_id, outs).outs["alias"] == "e0"
    ssl.modify_alias(cert_id, "changed")
    assert provider.read(cert_id, outs).outs["alias"] == "changed"  # never an earlier listing


def test_concurrent_deletions_share_poll_calls(emu: RunningEmulator, provider: CertificateProvider) -> None:
    made = create_all(provider, [entry_inputs(i) for i in range(6)])
    emu.admin("PUT", "/_emulator/settings", {"DeleteTaskSeconds": 5})
    emu.admin("DELETE", "/_emulator/calls")
    assert run_together([lambda c=c, o=o: provider.delete(c, o) for c, o in made.values()]) == []
    assert emu.certificates() == []
    polls = [c["Params"]["TaskIds"] for c in emu.calls() if c["Action"] == "DescribeDeleteCertificatesTaskResult"]
    deletes = [c for c in emu.calls() if c["Action"] == "DeleteCertificate"]
    assert len(deletes) == 6
    # Several tasks in one call: far fewer polls than six deletions polling on their own every second.
    assert max(len(ids) for ids in polls) >= 2 and len(polls) < 6 * 5
    assert {t for ids in polls for t in ids} == {t["TaskId"] for t in emu.admin("GET", "/_emulator/tasks")["Tasks"]}
    # The ownership marks came from shared tag reads, not a call per certificate, and never from a listing of the
    # whole account: the only listings are the removals' reads of each entry's own marks (provider.leftovers).
    reads = [c["Params"]["ResourceIds"] for c in emu.calls() if c["Action"] == "DescribeResourceTagsByResourceIds"]
    assert sorted(i for ids in reads for i in ids) == sorted(made_ids := [c for c, _ in made.values()])
    assert len(reads) < 6 and max(len(ids) for ids in reads) >= 2, reads
    listings = [c["Params"] for c in emu.calls() if c["Action"] == "DescribeCertificates"]
    assert len(listings) == 6 and all([t["TagKey"] for t in p["Tags"]] == [OWNER_TAG] for p in listings), listings
    assert len(made_ids) == 6
    # The poller's thread ends once no deletion is in flight.
    for thread in threading.enumerate():
        if thread.name == "delete-task-poller":
            thread.join(30)
            assert not thread.is_alive()


def test_mark_drops_go_ten_certificates_per_call_and_report_each_failure() -> None:
    sent: list[list[str]] = []
    lock = threading.Lock()

    def untag(ids: Any) -> dict[str, str]:
        with lock:
            sent.append(list(ids))
        return {"c7": "ResourceNotFound: gone"} if "c7" in ids else {}

    drops = MarkDrops(untag, linger=30.0)
    failures: list[str] = []

    def work(index: int) -> None:
        with drops.expecting():
            try:
                drops.drop(f"c{index}")
            except RuntimeError as error:
                failures.append(str(error))

    # Every caller is expected, so a call leaves as soon as ten wait or all do: the linger is never reached.
    threads = [threading.Thread(target=work, args=(i,)) for i in range(25)]
    with drops.expecting():  # hold the callers in until all are counted
        for thread in threads:
            thread.start()
    for thread in threads:
        thread.join(60)
    assert not any(t.is_alive() for t in threads)
    assert sorted(c for batch in sent for c in batch) == sorted(f"c{i}" for i in range(25))
    assert all(len(batch) <= 10 for batch in sent) and len(sent) <= 5
    assert failures == ["c7: ResourceNotFound: gone"]


def test_reads_by_id_share_calls_and_never_answer_from_a_call_started_before_the_ask() -> None:
    sent: list[list[str]] = []
    first_call = threading.Event()
    release = threading.Event()
    tags = {"c1": {"owner": "v1"}}

    def fetch(ids: Any) -> dict[str, dict[str, str]]:
        sent.append(list(ids))
        answer = {i: dict(tags[i]) for i in ids if i in tags}  # what Tencent holds when the call starts
        if len(sent) == 1:
            first_call.set()
            assert release.wait(30)
        return answer

    reads = ByIdReads(fetch)
    results: dict[str, dict[str, str] | None] = {}
    first = threading.Thread(target=lambda: results.update(first=reads.get("c1")))
    first.start()
    assert first_call.wait(30)
    # Asked while the first call runs (and after the tags changed): answered by a later call, all of them by one.
    tags["c1"] = {"owner": "v2"}
    later = [threading.Thread(target=lambda i=i: results.update({f"c{i}": reads.get(f"c{i}")})) for i in range(1, 5)]
    for thread in later:
        thread.start()
    deadline = time.monotonic() + 30
    while len(reads._pending) < 4 and time.monotonic() < deadline:  # all four wait for the next call
        time.sleep(0.01)
    release.set()
    for thread in [first, *later]:
        thread.join(30)
    assert results["first"] == {"owner": "v1"} and results["c1"] == {"owner": "v2"}
    assert results["c2"] is None and results["c4"] is None  # nothing read (gone): None, not an error
    assert [sorted(ids) for ids in sent] == [["c1"], ["c1", "c2", "c3", "c4"]]


def test_a_failed_read_by_id_fails_every_caller_of_its_call_and_the_next_call_is_fresh() -> None:
    calls: list[list[str]] = []

    def fetch(ids: Any) -> dict[str, dict[str, str]]:
        calls.append(list(ids))
        if len(calls) == 1:
            raise RuntimeError("InternalError")
        return {i: {"k": i} for i in ids}

    reads = ByIdReads(fetch, batch=2)
    with pytest.raises(RuntimeError, match="InternalError"):
        reads.get("a")
    assert reads.get("a") == {"k": "a"}
    # More callers than a call takes: each call holds at most `batch` ids, and every caller gets its own answer.
    got: dict[str, dict[str, str] | None] = {}
    assert run_together([lambda i=i: got.update({f"x{i}": reads.get(f"x{i}")}) for i in range(5)]) == []
    assert got == {f"x{i}": {"k": f"x{i}"} for i in range(5)}
    assert all(len(ids) <= 2 for ids in calls)


def test_concurrent_diffs_share_one_read_of_the_certificates_waiting_to_be_deleted(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider, lines: list[str]
) -> None:
    inputs = [entry_inputs(i) for i in range(12)]
    made = create_all(provider, inputs)
    # The state as the host hands it to diff (the inputs beneath the outputs), and the same inputs again.
    states = {made[i][0]: ({**checked(provider, inputs[i]), **made[i][1]}, checked(provider, inputs[i])) for i in made}
    # e3's certificate waits to be deleted (a failed delete marks it) and is in no state: e3's current certificate
    # is another one, here e4's made over to e3 (its owner mark in the state).
    waiting, current = made[3][0], made[4][0]
    mark_waiting(ssl, waiting)
    stack = waiting_mark(inputs[3]["owner"])
    assert ssl.get_tags(waiting)[WAITING_TAG] == stack and ssl.get_tags(waiting)[DEPLOY_TAG] == NO_RECORD
    del states[waiting]
    olds, news = states[current]
    owner = inputs[3]["owner"]
    states[current] = ({**olds, "entry": "e3", "owner": owner}, {**news, "entry": "e3", "owner": owner})
    emu.admin("DELETE", "/_emulator/calls")
    results: dict[str, bool | None] = {}

    def diff(cert_id: str) -> None:
        results[cert_id] = provider.diff(cert_id, *states[cert_id]).changes

    assert run_together([lambda c=c: diff(c) for c in states]) == []
    assert [(c["Action"], c["Params"].get("Tags")) for c in emu.calls()] == [
        ("DescribeCertificates", [{"TagKey": WAITING_TAG, "TagValue": stack}])
    ]
    # One exact key and value, the stack's (every entry's owner mark shares it): no empty, wildcard TagValue.
    assert stack and all(stack == waiting_mark(i["owner"]) for i in inputs)
    # Only e3's diff reports it, and is a change; the others are not.
    assert results == {cert_id: cert_id == current for cert_id in states}
    said = [line for line in lines if "still waiting to be deleted" in line]
    assert len(said) == 1 and f"e3: certificate {waiting}, an earlier certificate" in said[0], said


def test_a_once_read_is_made_once_for_concurrent_callers_shares_its_failure_and_is_made_again_when_forgotten() -> None:
    started = threading.Event()
    release = threading.Event()
    reads: list[int] = []

    def read() -> int:
        reads.append(len(reads))
        if len(reads) == 1:
            started.set()
            assert release.wait(30)
            raise RuntimeError("InternalError")
        return len(reads)

    once = OnceRead(read)
    errors: list[BaseException] = []

    def ask() -> None:
        try:
            once.get()
        except RuntimeError as error:
            errors.append(error)

    first = threading.Thread(target=ask)
    first.start()
    assert started.wait(30)
    others = [threading.Thread(target=ask) for _ in range(5)]
    for thread in others:
        thread.start()
    time.sleep(0.1)  # the others wait for the read under way rather than starting their own
    release.set()
    for thread in [first, *others]:
        thread.join(30)
    assert len(reads) == 1 and len(errors) == 6 and all("InternalError" in str(e) for e in errors)
    with pytest.raises(RuntimeError, match="InternalError"):  # not retried: the run goes on without it
        once.get()
    once.forget()
    assert once.get() == 2 and once.get() == 2 and len(reads) == 2


def test_once_reads_read_each_key_once_and_forget_every_key() -> None:
    reads: list[str] = []

    def read(key: str) -> str:
        reads.append(key)
        return f"{key}{len(reads)}"

    once = OnceReads(read)
    assert run_together([lambda: once.get("a") for _ in range(6)]) == []
    assert once.get("a") == "a1" and once.get("b") == "b2" and once.get("a") == "a1"
    once.forget()
    assert once.get("b") == "b3" and once.get("a") == "a4" and reads == ["a", "b", "b", "a"]


def test_the_waiting_listing_filters_on_the_stacks_exact_value_and_finds_only_its_complete_marks(
    emu: RunningEmulator, ssl: SslService, provider: CertificateProvider
) -> None:
    inputs = [entry_inputs(i) for i in range(3)]
    made = create_all(provider, inputs)
    ours, older, elsewhere = made[0][0], made[1][0], made[2][0]
    stack = waiting_mark(inputs[0]["owner"])
    assert stack == stack_key(names_identity("proj", "dev"))  # the stack half of every entry's owner mark
    mark_waiting(ssl, ours)
    # A mark an older version wrote: pulumi:deploy only. And another stack's waiting certificate.
    ssl.change_tags(older, replace={DEPLOY_TAG: NO_RECORD})
    other_owner = owner_token(names_identity("proj", "prod"), "e2")
    ssl.change_tags(elsewhere, replace={OWNER_TAG: other_owner})
    mark_waiting(ssl, elsewhere)
    assert ssl.get_tags(elsewhere)[WAITING_TAG] == waiting_mark(other_owner) != stack

    shared = Shared.over(ssl, Timing())
    emu.admin("DELETE", "/_emulator/calls")
    assert [row.certificate_id for row in shared.waiting.get(stack)] == [ours]
    # No owner mark, no read: an empty TagValue is never sent (Tencent documents no wildcard value).
    assert shared.waiting.get("") == []
    assert [c["Params"].get("Tags") for c in emu.calls()] == [[{"TagKey": WAITING_TAG, "TagValue": stack}]]

    # The next failed delete of the older mark (`up` retries it) completes it, keeping its value.
    mark_waiting(ssl, older)
    assert ssl.get_tags(older)[DEPLOY_TAG] == NO_RECORD and ssl.get_tags(older)[WAITING_TAG] == stack
    shared.waiting.forget()
    assert sorted(row.certificate_id for row in shared.waiting.get(stack)) == sorted([ours, older])


def test_no_waiting_mark_goes_on_a_certificate_whose_create_is_in_flight(
    ssl: SslService, provider: CertificateProvider
) -> None:
    made = create_all(provider, [entry_inputs(0)])
    cert_id = made[0][0]
    ssl.change_tags(cert_id, replace={CREATE_TAG: "x"})
    mark_waiting(ssl, cert_id)
    tags = ssl.get_tags(cert_id)
    # Never reported (waiting_deletions skips it), and pulumi:create and pulumi:waiting never take two of the tags
    # the provider keeps (rules.PROVIDER_TAGS_AT_ONCE).
    assert tags[DEPLOY_TAG] == NO_RECORD and WAITING_TAG not in tags
