"""The ownership rule (provider.ownership): owner tokens, who holds a certificate, and when a delete may remove it."""

from __future__ import annotations

from provider.ownership import Holder, holder_of, marks, new_claim, owner_token, stack_key, verdict
from provider.rules import CLAIM_TAG, OWNER_TAG

ME = owner_token("stk-a", "www")


def test_tokens_tell_stacks_and_entries_apart() -> None:
    assert owner_token("stk-a", "www") == ME  # stable
    assert owner_token("stk-b", "www") != ME  # same names, another stack state (another backend or organisation)
    assert owner_token("stk-a", "api") != ME
    assert ME.startswith(stack_key("stk-a") + ".") and owner_token("stk-a", "api").startswith(stack_key("stk-a"))
    assert not owner_token("stk-b", "www").startswith(stack_key("stk-a"))
    assert len(ME) == 25 and new_claim() != new_claim()


def test_holder_of() -> None:
    assert holder_of({}, ME) is Holder.NOBODY
    assert holder_of({OWNER_TAG: ""}, ME) is Holder.NOBODY
    assert holder_of({OWNER_TAG: ME}, ME) is Holder.THIS_ENTRY
    assert holder_of({OWNER_TAG: owner_token("stk-a", "old-name")}, ME) is Holder.OTHER_ENTRY
    assert holder_of({OWNER_TAG: owner_token("stk-b", "www")}, ME) is Holder.OTHER_STACK
    # A token of an older version (a bare hash) is never this entry's, and never known to be this stack's.
    assert holder_of({OWNER_TAG: "0123456789abcdef01234567"}, ME) is Holder.OTHER_STACK


def test_marks_leave_out_empty_values() -> None:
    assert marks(ME, "c1") == {OWNER_TAG: ME, CLAIM_TAG: "c1"}
    assert marks("", "c1") == {CLAIM_TAG: "c1"}


def test_a_delete_needs_both_marks_to_name_the_resource() -> None:
    assert verdict({OWNER_TAG: ME, CLAIM_TAG: "c1"}, ME, "c1").may_delete
    assert verdict({}, ME, "c1").may_delete  # unmarked (never managed by a newer version): the state decides
    assert verdict({OWNER_TAG: ME}, ME, "").may_delete  # a state and a certificate from before claims
    other_stack = verdict({OWNER_TAG: owner_token("stk-b", "www"), CLAIM_TAG: "c9"}, ME, "c1")
    assert not other_stack.may_delete and "another stack" in other_stack.reason
    other_entry = verdict({OWNER_TAG: owner_token("stk-a", "new-name"), CLAIM_TAG: "c9"}, ME, "c1")
    assert not other_entry.may_delete and "another entry of this stack" in other_entry.reason
    retaken = verdict({OWNER_TAG: ME, CLAIM_TAG: "c2"}, ME, "c1", taken_in_run=True)
    assert not retaken.may_delete and "later create of this entry" in retaken.reason and not retaken.advice("X")
    # The same marks with no create of this run to explain the claim: changed outside the stack, said so, with advice.
    edited = verdict({OWNER_TAG: ME, CLAIM_TAG: "c2"}, ME, "c1")
    assert not edited.may_delete and edited.outside and (edited.tag, edited.value) == (CLAIM_TAG, "c2")
    assert "pulumi:claim was changed outside this stack: it is now 'c2'" in edited.reason, edited.reason
    assert "adopt: {id: X, take_over: true}" in edited.advice("X") and "DeleteCertificate" in edited.advice("X")
    # A state from before claims, a certificate claimed since: only a later create can have written that claim.
    assert not verdict({OWNER_TAG: ME, CLAIM_TAG: "c2"}, ME, "").may_delete


def test_successor_of_is_only_a_certificate_that_names_the_old_one() -> None:
    import datetime as dt

    from provider.ownership import successor_of
    from provider.rules import CREATE_TAG, REPLACES_TAG
    from provider.ssl import CertificateSummary

    def row(cid: str, day: int, owner: str = ME, **tags: str) -> CertificateSummary:
        when = dt.datetime(2026, 1, day, tzinfo=dt.UTC)
        return CertificateSummary(cid, "d", "", "SVR", 1, 0, "upload", when, None, {OWNER_TAG: owner, **tags})

    rows = [
        row("Self0001", 5, **{CLAIM_TAG: "mine"}),
        row("Older001", 1, **{CLAIM_TAG: "c1"}),  # an older certificate of the entry (retained): never a successor
        row("Newer001", 6, **{CLAIM_TAG: "c2"}),  # a later certificate of the entry that names nothing
        row("Named001", 3, **{CLAIM_TAG: "c3", REPLACES_TAG: "Self0001"}),
        row("Named002", 4, **{CLAIM_TAG: "c4", REPLACES_TAG: "Self0001"}),
        row("InFlight", 7, **{CLAIM_TAG: "c5", REPLACES_TAG: "Self0001", CREATE_TAG: "n"}),  # still being created
        row("OtherEnt", 8, owner=owner_token("stk-a", "api"), **{REPLACES_TAG: "Self0001"}),
    ]
    assert successor_of(rows, "Self0001", ME) == "Named002"
    assert successor_of(rows[:3], "Self0001", ME) is None
    assert successor_of(rows, "Older001", ME) is None
    assert successor_of(rows, "Self0001", "") is None
