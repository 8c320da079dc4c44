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
    retaken = verdict({OWNER_TAG: ME, CLAIM_TAG: "c2"}, ME, "c1")
    assert not retaken.may_delete and "later create of this entry" in retaken.reason
    # A state from before claims, a certificate claimed since: only a later create can have written that claim.
    assert not verdict({OWNER_TAG: ME, CLAIM_TAG: "c2"}, ME, "").may_delete


def test_newest_other_claim_names_the_replaced_or_replacing_certificate() -> None:
    import datetime as dt

    from provider.ownership import newest_other_claim
    from provider.rules import CREATE_TAG
    from provider.ssl import CertificateSummary

    def row(cid: str, day: int, **tags: str) -> CertificateSummary:
        when = dt.datetime(2026, 1, day, tzinfo=dt.UTC)
        return CertificateSummary(cid, "d", "", "SVR", 1, 0, "upload", when, None, {OWNER_TAG: ME, **tags})

    rows = [
        row("Self0001", 5, **{CLAIM_TAG: "mine"}),
        row("Older001", 1, **{CLAIM_TAG: "c1"}),
        row("Newer001", 3, **{CLAIM_TAG: "c2"}),
        row("InFlight", 4, **{CLAIM_TAG: "c3", CREATE_TAG: "n"}),  # a create still running: never counted
        row("Unclaim1", 4),  # no claim: not made by a completed create of this version
        row("SameClm1", 4, **{CLAIM_TAG: "mine"}),
    ]
    assert newest_other_claim(rows, "Self0001", "mine") == "Newer001"
    assert newest_other_claim(rows[:1], "Self0001", "mine") is None
