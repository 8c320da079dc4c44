"""``provider.retention``: which removed ``retain: true`` entries a run tells, from the last run's record."""

from __future__ import annotations

from provider.inputs import UNKNOWN
from provider.retention import retained_removal_note, retained_removals


def test_a_retained_entry_the_file_no_longer_names_is_told_with_its_id() -> None:
    olds = {"retained": {"www": "AbCd1234", "api": "EfGh5678"}, "declared": ["api", "keep", "www"]}
    news = {"retained": {"api": "EfGh5678"}, "declared": ["api", "keep"]}
    assert retained_removals(olds, news) == {"www": "AbCd1234"}
    note = retained_removal_note("www", "AbCd1234")
    assert note.startswith("www: removed from the stack file with retain: true: certificate AbCd1234 stays")
    assert "`adopt: AbCd1234`" in note and "adopt: {id: AbCd1234, take_over: true}" in note


def test_names_still_declared_renamed_or_unknown_ids_tell_nothing() -> None:
    olds = {"retained": {"www": "AbCd1234", "new": UNKNOWN, "old": "IjKl9012"}}
    # www is still declared (retain turned off, say); old was renamed (its name is a renamed_from); new's id unknown.
    assert retained_removals(olds, {"declared": ["www", "old"]}) == {}
    assert retained_removals({}, {"declared": []}) == {}  # a record made before this one existed, or the stock host
    assert retained_removals(olds, {"declared": UNKNOWN}) == {}
