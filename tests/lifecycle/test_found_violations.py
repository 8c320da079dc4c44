"""Sequences of the lifecycle state machine's rules that break an invariant on main, kept as regression tests: the
ones the machine found (shrunk by Hypothesis; "found by the machine" in the reason) and the cases issue 18 reports,
written as the same rules.

Each test replays its sequence (``machine.py``) with every switch of ``KNOWN_VIOLATIONS`` off and checks the
invariants the machine checks. Those still on main are strict xfails: the moment a fix lands the test passes,
the xfail turns into a failure, and the marker (and the machine's matching switch) is removed; the fixed ones stay
as plain regression tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from provider.rules import CLAIM_TAG
from support.emulator import RunningEmulator

from .cloud import HOME_REGION, OTHER_REGION
from .machine import CDN, CLB_HOME, CLB_OTHER, LifecycleMachine, machine_for

pytestmark = pytest.mark.emulator


def known_bug(reason: str) -> pytest.MarkDecorator:
    """A violation main has today: the invariant's assertion fails until the fix lands (then the xfail fails)."""
    return pytest.mark.xfail(strict=True, raises=AssertionError, reason=reason)


@pytest.fixture
def machine(emulator: RunningEmulator) -> Iterator[LifecycleMachine]:
    state = machine_for(emulator, known=frozenset())()
    yield state
    state.teardown()


def test_removal_after_a_retained_certificate_never_rotates(machine: LifecycleMachine) -> None:
    # As the issue reports it: www (retain) up; remove, up (A kept, marked); www again with B; bind B; remove www.
    machine.add(i=0, domain="www.example.com", retain=True)
    machine.remove(i=0)
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.bind(i=0, binding=CLB_HOME)
    machine.remove(i=0)  # I1/I2: lb-1 must not be moved to A; the removal is refused while B is bound


def test_an_outside_rollback_does_not_leave_the_rotation_stuck(machine: LifecycleMachine) -> None:
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.bind(i=0, binding=CDN)
    machine.bind(i=0, binding=CLB_HOME)
    machine.inject(fault="cdn-deploy-fails")
    machine.renew(i=0, domain="www.example.com")
    # up failed, naming the deploy record (tests/reliability/test_rotation.py checks the message)
    machine.roll_back()  # what that message advises
    machine.settle()  # I7: the replaced certificate's resources are moved and it is deleted


def test_a_binding_added_after_a_failed_rotation_is_moved(machine: LifecycleMachine) -> None:
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.bind(i=0, binding=CDN)
    machine.inject(fault="cdn-deploy-fails")
    machine.renew(i=0, domain="www.example.com")
    machine.bind_to(machine.engine.pending[0].id, CLB_HOME)
    machine.settle()  # I7


def test_deploy_regions_added_after_a_failed_rotation_take_effect(machine: LifecycleMachine) -> None:
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.bind(i=0, binding=CLB_OTHER)
    machine.renew(i=0, domain="www.example.com")
    machine.set_regions(i=0, regions=(HOME_REGION, OTHER_REGION))
    machine.settle()  # I7


def test_renaming_into_a_removed_name_keeps_the_certificate(machine: LifecycleMachine) -> None:
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.rename_into_a_removed_name(i=0, j=1)  # I8: api keeps www's certificate, or the up is refused


def test_a_rotation_never_deploys_onto_a_domain_the_certificate_does_not_cover(machine: LifecycleMachine) -> None:
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.bind(i=0, binding=CDN)
    machine.renew(i=0, domain="other.example.com")  # I6


def test_removing_a_renamed_entry_deletes_its_certificate(machine: LifecycleMachine) -> None:
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.rename(i=0, j=0, with_alias=True)  # www -> api; the alias follows the name: an update
    machine.remove(i=0)  # I5: the certificate is deleted, or a message says how to adopt or delete it


def test_a_rotation_does_not_depend_on_the_successors_tags(machine: LifecycleMachine) -> None:
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.bind(i=0, binding=CDN)
    machine.inject(fault="cdn-deploy-fails")
    machine.renew(i=0, domain="www.example.com")
    machine.cloud.ssl.change_tags(machine.engine.state["www"].id, delete=[CLAIM_TAG])
    machine.settle()  # I7


def test_a_certificate_left_by_a_run_killed_after_its_create_is_found_again(machine: LifecycleMachine) -> None:
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.arm_kill(k=1)
    machine.renew(i=0, domain="www.example.com")  # killed once the new certificate's create returned
    machine.up_again()  # I5: the certificate the killed run made is used, or a message names it


def test_removing_an_entry_never_moves_its_resources_onto_a_renamed_entry(machine: LifecycleMachine) -> None:
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.rename(i=0, j=0, with_alias=True)  # www -> api (alias follows: an update; the mark stays www's)
    machine.add(i=0, domain="www.example.com", retain=False)  # www again, a new certificate
    machine.bind_to(machine.engine.state["www"].id, CLB_HOME)
    machine.remove(i=1)  # www: I1/I2, lb-1 must not be moved to api's certificate


def test_a_failed_rename_into_a_removed_name_changes_nothing(machine: LifecycleMachine) -> None:
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.bind(i=0, binding=CLB_OTHER)
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.rename_into_a_removed_name(i=1, j=1)  # I8: api's certificate kept under www, or nothing changed


def test_removal_after_a_retained_renewal_never_rotates(machine: LifecycleMachine) -> None:
    machine.start(domain="www.example.com", retain=True, bound=None)
    machine.renew(domain="www.example.com", i=0)
    machine.bind(binding=CLB_HOME, i=0)
    machine.set_option(i=0, option="retain", value=False)
    machine.rename(i=0, j=0, with_alias=False)  # I1/I2


def test_a_rotation_refused_for_coverage_waits_for_the_user(machine: LifecycleMachine) -> None:
    # Found by the machine once the coverage switch was off (the invariant, not the product): the renewal onto a
    # domain the bound CDN domain is not under is refused (I6), so the old certificate stays pending deletion, bound,
    # until the user gives the entry a covering certificate: I7 accepts that as a reason the user must fix.
    machine.start(domain="www.example.com", retain=False, bound=CDN)
    machine.renew(domain="other.example.com", i=0)
    machine.settle()  # I7


def test_a_refused_rename_into_a_held_name_is_taken_back(machine: LifecycleMachine) -> None:
    # Found by the machine (the model, not the product): the refusal names the former entry's certificate; the user
    # takes the edit back, as the message says, and nothing is left half-done.
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.rename_into_a_removed_name(i=0, j=1)
    machine.settle()  # I7
    machine.rename(i=0, j=1, with_alias=True)  # I8


def test_a_renewal_of_a_renewal_waiting_on_coverage_moves_its_resources(machine: LifecycleMachine) -> None:
    machine.start(domain="www.example.com", retain=False, bound=None)
    machine.bind(binding=CDN, i=0)
    machine.renew(domain="other.example.com", i=0)  # refused for coverage: the first certificate stays, bound
    machine.renew(domain="www.example.com", i=0)  # I7 over this up and the next


def test_a_certificate_left_by_a_killed_create_is_named_after_its_entry_is_removed(machine: LifecycleMachine) -> None:
    # Found by the machine: the removal's delete reads the entry's marks and names what the killed run left.
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.arm_kill(k=1)
    machine.renew(i=0, domain="www.example.com")  # killed once the new certificate's create returned
    machine.remove(i=0)  # I5


def test_a_certificate_left_by_a_killed_create_is_named_after_its_entry_is_renewed(machine: LifecycleMachine) -> None:
    # The diff of the renewal reads the entry's marks (for pending deletions) and names what the killed run left.
    machine.add(i=0, domain="www.example.com", retain=False)
    machine.arm_kill(k=1)
    machine.renew(i=0, domain="www.example.com")  # killed once the new certificate's create returned
    machine.renew(i=0, domain="*.example.com")  # I5


def test_a_killed_renewal_during_an_unrecorded_rename_is_named(machine: LifecycleMachine) -> None:
    # Found by the machine (seed 11): the rename's update is killed, so the state keeps the former name; the renewal
    # under the new name is killed after its create: its certificate carries the new name's mark, which the next
    # diff reads as well as the former one's.
    machine.start(domain="www.example.com", retain=True, bound=None)
    machine.rename(i=0, j=0, with_alias=True)
    machine.arm_kill(k=1)
    machine.rename(i=0, j=3, with_alias=True)  # killed after the update that moves the mark
    machine.arm_kill(k=1)
    machine.bind(binding=CLB_HOME, i=0)
    machine.renew(domain="other.example.com", i=0)  # killed once the replacement's create returned
    machine.renew(domain="www.example.com", i=0)  # I5


def test_a_certificate_marked_by_a_killed_rename_is_named_when_its_entry_leaves(machine: LifecycleMachine) -> None:
    # Found by the machine (seed 11): the renames' updates are killed after moving the mark, so the state keeps the
    # first name while the certificate carries a later one; when the state's entry goes, its delete leaves the
    # certificate (another entry's mark) and must say how to adopt or delete it.
    machine.start(domain="www.example.com", retain=True, bound=None)
    machine.set_regions(i=0, regions=())
    machine.rename(i=0, j=0, with_alias=True)
    machine.arm_kill(k=1)
    machine.rename(i=0, j=3, with_alias=True)
    machine.arm_kill(k=1)
    machine.add(domain="www.example.com", i=0, retain=False)
    machine.rename_into_a_removed_name(i=0, j=1)  # I5


@known_bug(
    "killed renames (found by the machine, seed 11): a rename's update killed after moving the mark, then renames "
    "with renamed_from and a rename into a removed name: the entry gets a new certificate instead of keeping the one "
    "its renamed_from names (I8)"
)
def test_a_rename_after_a_killed_rename_keeps_the_certificate(machine: LifecycleMachine) -> None:
    machine.start(domain="www.example.com", retain=True, bound=None)
    machine.set_regions(i=0, regions=())
    machine.arm_kill(k=1)
    machine.rename(i=0, j=0, with_alias=True)
    machine.rename(i=0, j=3, with_alias=True)
    machine.add(domain="www.example.com", i=0, retain=True)
    machine.add(domain="www.example.com", i=0, retain=False)
    machine.rename_into_a_removed_name(i=0, j=1)  # I8


@known_bug(
    "killed first creates (found by the machine, seed 11): a run killed after the first create of an entry (here "
    "api, a rename without renamed_from) leaves a certificate marked by that entry; when the entry is no longer "
    "declared (or is renewed with other files), no call of a later run reads that entry's marks, so nothing names it"
)
def test_a_certificate_left_by_a_killed_first_create_is_named_after_its_entry_is_removed(
    machine: LifecycleMachine,
) -> None:
    machine.start(domain="www.example.com", retain=False, bound=None)
    machine.arm_kill(k=1)
    machine.rename(i=0, j=0, with_alias=False)  # www -> api: api's create is killed once it returned
    machine.rename(i=0, j=0, with_alias=False)  # api -> www again: api is no longer declared (I5)


@known_bug(
    "found by the machine (seed 19; shrinking stopped early): I5 MARKED"
)
def test_seed19_a_marked_certificate_after_adoptions_kills_and_outside_deletes_is_named(
    machine: LifecycleMachine,
) -> None:
    machine.start(bound=CDN, domain="*.example.com", retain=False)
    machine.remove(i=0)
    machine.adopt(i=0, j=0, take_over=False)
    machine.refresh()
    machine.add(domain="www.example.com", i=0, retain=False)
    machine.up_again()
    machine.renew(domain="www.example.com", i=1)
    machine.arm_kill(k=2)
    machine.roll_back()
    machine.remove(i=9)
    machine.inject(fault="task-timeout")
    machine.refresh()
    machine.inject(fault="cdn-deploy-fails")
    machine.delete_outside(i=2)
    machine.add(domain="*.example.com", i=2, retain=True)
    machine.refresh()
    machine.arm_kill(k=1)
    machine.delete_outside(i=6)
    machine.renew(domain="www.example.com", i=1)
    machine.rename(i=4, j=6, with_alias=False)  # I5


@known_bug(
    "found by the machine (seed 19; shrinking stopped early): I8 RENAME"
)
def test_seed19_a_rename_after_adoptions_and_stripped_marks_keeps_the_certificate(machine: LifecycleMachine) -> None:
    machine.start(retain=True, bound=None, domain="*.example.com")
    machine.remove(i=0)
    machine.adopt(i=0, j=0, take_over=False)
    machine.remove(i=0)
    machine.add(domain="www.example.com", i=0, retain=False)
    machine.upload_outside(domain="www.example.com", other_stack=False)
    machine.roll_back()
    machine.edit_tags(i=1, what="owner")
    machine.inject(fault="clb-deploy-hangs")
    machine.adopt(i=4, j=8, take_over=True)
    machine.rename(i=6, j=6, with_alias=False)
    machine.rename_into_a_removed_name(i=4, j=1)  # I8


@known_bug(
    "found by the machine (seed 19; shrinking stopped early): I7 SETTLE"
)
def test_seed19_a_replaced_certificate_deleted_outside_settles(machine: LifecycleMachine) -> None:
    machine.start(retain=False, domain="*.example.com", bound=CLB_OTHER)
    machine.remove(i=0)
    machine.adopt(i=0, j=0, take_over=False)
    machine.refresh()
    machine.add(domain="www.example.com", i=0, retain=False)
    machine.settle()
    machine.delete_outside(i=3)
    machine.delete_outside(i=1)
    machine.bind(binding=CLB_HOME, i=0)
    machine.rename(i=7, j=2, with_alias=True)  # I7


@known_bug(
    "found by the machine (seed 19; shrinking stopped early): I1 MOVE"
)
def test_seed19_a_readded_entry_after_a_retained_adoption_moves_nothing_onto_it(machine: LifecycleMachine) -> None:
    machine.start(domain="www.example.com", retain=True, bound=CLB_HOME)
    machine.remove(i=0)
    machine.adopt(i=0, j=0, take_over=False)
    machine.remove(i=0)
    machine.add(domain="www.example.com", i=0, retain=False)  # I1
