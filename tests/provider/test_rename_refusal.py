"""provider.renames through the provider, against the emulator: which renames diff refuses (reading the former names'
marks by tag) and the mark that follows a renamed entry at its update. The same scenarios through the real engine
are in tests/e2e/test_renames.py."""

from __future__ import annotations

from typing import Any

import pytest

from provider.certificate import CertificateProvider, Timing
from provider.errors import CertificateError
from provider.ownership import names_identity, owner_token
from provider.rules import OWNER_TAG
from provider.ssl import SslService
from support.certs import make_cert
from support.emulator import RunningEmulator
from support.provider_calls import OWNER, FakeTime, checked, create, upload_inputs, write_actions

pytestmark = pytest.mark.emulator

IDENTITY = names_identity("proj", "dev")
OLD = owner_token(IDENTITY, "www-old")


def entry(name: str, renamed_from: dict[str, str] | None = None) -> dict[str, Any]:
    """Upload inputs of entry ``name`` (a fresh certificate), renamed from ``renamed_from`` if given."""
    cert, key = make_cert(f"{name}.example.com")
    extra: dict[str, Any] = {"entry": name, "owner": owner_token(IDENTITY, name)}
    if renamed_from:
        extra.update(renamed_from=renamed_from, stack_file="stacks/dev.yaml")
    return upload_inputs(cert, key, **extra)


def next_run(ssl: SslService, fake_time: FakeTime) -> CertificateProvider:
    """A provider as the next `pulumi` run starts it: a new process, which knows nothing of the last run's calls."""
    return CertificateProvider(service_factory=lambda: ssl, timing=Timing(sleep=fake_time.sleep, clock=fake_time.clock))


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
    assert listings == [{"Tags": [{"TagKey": OWNER_TAG, "TagValue": OLD}], "Offset": 0, "Limit": listings[0]["Limit"]}]

