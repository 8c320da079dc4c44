"""provider.handover: what a diff tells the create and the delete that follow it in the same run."""

from __future__ import annotations

from provider.handover import Handover, Steering
from provider.inputs import UNKNOWN
from support.provider_calls import OWNER

NEWS = {"owner": OWNER, "deploy_regions": {"clb": ["ap-shanghai"]}, "delete_timeout": 120.0}


def test_a_replacing_diff_names_the_old_certificate_to_the_next_create_once() -> None:
    handover = Handover()
    handover.diffed("OldCert1", NEWS, replaced=True)
    assert handover.replaced_by_create("someone.else") == ""
    assert handover.replaced_by_create(OWNER) == "OldCert1"
    assert handover.replaced_by_create(OWNER) == ""  # a second create of the entry replaces nothing


def test_a_diff_that_does_not_replace_forgets_an_earlier_answer() -> None:
    handover = Handover()
    handover.diffed("OldCert1", NEWS, replaced=True)  # e.g. a preview pass in the same process
    handover.diffed("OldCert1", NEWS, replaced=False)
    assert handover.replaced_by_create(OWNER) == ""


def test_steering_goes_to_the_replaced_certificate_and_the_recorded_predecessor_only() -> None:
    handover = Handover()
    handover.diffed("Current1", NEWS, replaced=False, predecessors=["Pending1"])
    expected = Steering({"clb": ["ap-shanghai"]}, 120.0, OWNER)
    assert handover.steering("Pending1") == expected
    assert handover.steering("Current1") is None  # not being deleted: nothing steers it
    handover.diffed("Current1", {**NEWS, "delete_timeout": "10m"}, replaced=True)
    assert handover.steering("Current1") == Steering({"clb": ["ap-shanghai"]}, 600.0, OWNER)


def test_unknown_values_steer_nothing() -> None:
    handover = Handover()
    handover.diffed("Current1", {**NEWS, "deploy_regions": UNKNOWN}, replaced=False, predecessors=["Pending1"])
    assert handover.steering("Pending1") is None


def test_the_steering_names_the_replacing_entry_the_one_a_rename_gave_the_certificate() -> None:
    # A rename with new files: the engine diffs the former name's certificate against the new name's inputs, so the
    # successor carries the new name's owner token, which the old certificate's state does not hold.
    handover = Handover()
    handover.diffed("Former1", {**NEWS, "owner": "stack.newname"}, replaced=True)
    steering = handover.steering("Former1")
    assert steering is not None and steering.owner == "stack.newname"
    handover.diffed("Current1", {**NEWS, "owner": UNKNOWN}, replaced=False, predecessors=["Pending1"])
    pending = handover.steering("Pending1")
    assert pending is not None and pending.owner == ""  # unknown: the delete falls back to its own mark
