"""provider.renames through the provider, against the emulator: which renames diff refuses (reading the former names'
marks by tag), the mark that follows a renamed entry at its update, and the rotation of a rename with new files. The
same scenarios through the real engine are in tests/e2e/test_renames.py."""

from __future__ import annotations

from typing import Any

import pytest

from provider.certificate import CertificateProvider, input_names
from provider.errors import CertificateError
from provider.ownership import names_identity, owner_token
from provider.rules import OWNER_TAG, REPLACES_TAG, WAITING_TAG, waiting_mark
from provider.ssl import SslService
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.provider_calls import OWNER, FakeTime, checked, create, upload_inputs, write_actions

pytestmark = pytest.mark.emulator

IDENTITY = names_identity("proj", "dev")
OLD = owner_token(IDENTITY, "www-old")
CLB = {"ResourceType": "clb", "ResourceId": "lb-7x3kq2|lbl-80"}


def entry(name: str, renamed_from: dict[str, str] | None = None) -> dict[str, Any]:
    """Upload inputs of entry ``name`` (a fresh certificate), renamed from ``renamed_from`` if given."""
    cert, key = make_cert(f"{name}.example.com")
    extra: dict[str, Any] = {"entry": name, "owner": owner_token(IDENTITY, name)}
    if renamed_from:
        extra.update(renamed_from=renamed_from, stack_file="stacks/dev.yaml")
    return upload_inputs(cert, key, **extra)


def next_run(ssl: SslService, fake_time: FakeTime) -> CertificateProvider:
    """A provider as the next `pulumi` run starts it: a new process, which knows nothing of the last run's calls."""
    return CertificateProvider(service_factory=lambda: ssl, timing=fake_time.timing())


def test_a_former_name_that_still_holds_a_certificate_is_refused(
    provider: CertificateProvider, emu: RunningEmulator, ssl: SslService, fake_time: FakeTime
) -> None:
    www_id, www_outs = create(provider, entry("www"))
    old_id, _ = create(provider, entry("www-old"))
    provider = next_run(ssl, fake_time)
    news = checked(provider, {**entry("www", {"www-old": OLD}), "alias": "www"})
    emu.admin("DELETE", "/_emulator/calls")

    with pytest.raises(CertificateError) as refused:
        provider.diff(www_id, www_outs, news)
    message = str(refused.value)
    assert message.startswith("stacks/dev.yaml: certificates.www.renamed_from: 'www-old' cannot be renamed into 'www'")
    assert f"'www-old' holds certificate {old_id}" in message and f"adopt: {old_id}" in message
    assert write_actions(emu) == []

    # Adopting the former name's certificate is what the message advises: not refused.
    adopt = checked(provider, {"source": "adopt", "adopt_id": old_id, "entry": "www", "owner": OWNER,
                               "renamed_from": {"www-old": OLD}})  # fmt: skip
    provider.diff(www_id, www_outs, adopt)


def test_a_state_taken_through_the_alias_and_the_runs_after_it_are_not_refused(
    provider: CertificateProvider, emu: RunningEmulator
) -> None:
    old_id, old_outs = create(provider, entry("www-old"))
    renamed = checked(provider, {**entry("www", {"www-old": OLD}), "alias": "www-old"})
    # The engine found the resource through the alias: the old state is www-old's, its certificate this one.
    provider.diff(old_id, old_outs, renamed)
    # A former name that never held a certificate, or whose certificate is this resource's: nothing to refuse.
    never = checked(provider, {**entry("www", {"gone": owner_token(IDENTITY, "gone")})})
    provider.diff(old_id, {**old_outs, "owner": OWNER}, never)
    after = checked(provider, {**entry("www", {"www-old": OLD})})
    provider.diff(old_id, {**old_outs, "owner": OWNER}, after)


def test_an_update_of_a_renamed_entry_moves_its_owner_mark(provider: CertificateProvider, emu: RunningEmulator) -> None:
    old_id, old_outs = create(provider, entry("www-old"))
    assert provider._ssl().get_tags(old_id)[OWNER_TAG] == OLD
    news = checked(provider, {**entry("www", {"www-old": OLD}), "alias": "renamed"})
    result = provider.update(old_id, old_outs, news)
    assert result.outs is not None and result.outs["owner"] == owner_token(IDENTITY, "www")
    tags = provider._ssl().get_tags(old_id)
    assert tags[OWNER_TAG] == owner_token(IDENTITY, "www")

    # A mark another entry has taken since stays theirs.
    other = owner_token(IDENTITY, "elsewhere")
    provider._ssl().change_tags(old_id, replace={OWNER_TAG: other})
    provider.update(old_id, old_outs, {**news, "alias": "again"})
    assert provider._ssl().get_tags(old_id)[OWNER_TAG] == other


def test_the_refusal_reads_the_former_names_mark_by_tag_not_the_account(
    provider: CertificateProvider, emu: RunningEmulator, ssl: SslService, fake_time: FakeTime
) -> None:
    www_id, www_outs = create(provider, entry("www"))
    old_id, _ = create(provider, entry("www-old"))
    for other in ("api", "mail", "shop"):  # certificates of the account the check has no reason to read
        create(provider, entry(other))
    provider = next_run(ssl, fake_time)
    news = checked(provider, {**entry("www", {"www-old": OLD}), "alias": "www"})
    emu.admin("DELETE", "/_emulator/calls")

    with pytest.raises(CertificateError, match=f"'www-old' holds certificate {old_id}"):
        provider.diff(www_id, www_outs, news)
    listings = [c["Params"] for c in emu.calls() if c["Action"] == "DescribeCertificates"]
    # By tag only: the former name's mark, and the stack's certificates waiting to be deleted (its pulumi:waiting).
    waiting = [{"TagKey": WAITING_TAG, "TagValue": waiting_mark(str(www_outs["owner"]))}]
    assert {"Tags": [{"TagKey": OWNER_TAG, "TagValue": OLD}], "Offset": 0, "Limit": listings[0]["Limit"]} in listings
    assert all(params["Tags"] in ([{"TagKey": OWNER_TAG, "TagValue": OLD}], waiting) for params in listings), listings
    assert len(listings) <= 2


def renamed_with_new_files(
    provider: CertificateProvider, emu: RunningEmulator
) -> tuple[str, dict[str, Any], str, dict[str, Any]]:
    """www-old's certificate bound to a CLB listener, then entry www renamed from it with new files, as the engine
    runs it: the alias finds www-old's state, diff (replace), create under the new name. Its ids and states."""
    old_id, old_outs = create(provider, entry("www-old"))
    emu.admin("POST", "/_emulator/bindings", {"CertificateId": old_id, **CLB})
    news = checked(provider, entry("www", {"www-old": OLD}))
    assert provider.diff(old_id, old_outs, news).replaces
    made = provider.create(news)
    assert made.outs is not None
    return old_id, old_outs, str(made.id), {**news, **made.outs}


def bound_to(emu: RunningEmulator, certificate_id: str) -> list[str]:
    rows = emu.admin("GET", "/_emulator/bindings")["Bindings"]
    return [row["ResourceId"] for row in rows if row["CertificateId"] == certificate_id]


def test_a_rename_with_new_files_moves_the_old_certificates_resources_to_the_new_name(
    provider: CertificateProvider, emu: RunningEmulator
) -> None:
    old_id, old_outs, new_id, new_state = renamed_with_new_files(provider, emu)
    tags = provider._ssl().get_tags(new_id)
    assert tags[OWNER_TAG] == owner_token(IDENTITY, "www") and tags[REPLACES_TAG] == old_id
    assert new_state["replaces"] == old_id

    provider.delete(old_id, old_outs)  # the former name's state: its owner mark is www-old's
    assert bound_to(emu, new_id) == [CLB["ResourceId"]]
    assert old_id not in {str(c["CertificateId"]) for c in emu.certificates()}


def test_a_failed_move_after_a_rename_is_finished_by_the_next_run_and_needs_its_diff(
    provider: CertificateProvider, emu: RunningEmulator, ssl: SslService, fake_time: FakeTime
) -> None:
    old_id, old_outs, new_id, new_state = renamed_with_new_files(provider, emu)
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {"clb": "listener busy"}})
    with pytest.raises(CertificateError, match="failed for 1 resource"):
        provider.delete(old_id, old_outs)
    emu.admin("PUT", "/_emulator/settings", {"DeployFailures": {}})
    assert bound_to(emu, old_id) == [CLB["ResourceId"]]

    # Without the diff that says www replaced it, the old certificate's own mark finds no successor: nothing moves.
    with pytest.raises(CertificateError, match="still bound"):
        next_run(ssl, fake_time).delete(old_id, old_outs)
    assert bound_to(emu, old_id) == [CLB["ResourceId"]]

    # The next run diffs www (its state records what it replaced), then retries the pending delete.
    provider = next_run(ssl, fake_time)
    news = {k: v for k, v in new_state.items() if k in input_names("upload")}
    assert not provider.diff(new_id, new_state, news).replaces
    provider.delete(old_id, old_outs)
    assert bound_to(emu, new_id) == [CLB["ResourceId"]]
    assert old_id not in {str(c["CertificateId"]) for c in emu.certificates()}
