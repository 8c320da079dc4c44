"""Emulator test fixtures: hand-signed requests (``api``) and the official SDK clients (``sdk_ssl``, ``sdk_tag``)."""

from __future__ import annotations

import pytest
from tencentcloud.common import credential
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.ssl.v20191205 import ssl_client
from tencentcloud.tag.v20180813 import tag_client

from support.emulator import RunningEmulator
from support.raw_api import api  # noqa: F401 - a fixture, found by name


def _profile(emu: RunningEmulator) -> ClientProfile:
    return ClientProfile(httpProfile=HttpProfile(endpoint=emu.host, protocol="http", reqTimeout=30))


@pytest.fixture
def sdk_ssl(emu: RunningEmulator) -> ssl_client.SslClient:
    """The official ``tencentcloud-sdk-python-ssl`` client pointed at the emulator over plain HTTP."""
    return ssl_client.SslClient(credential.Credential(emu.secret_id, emu.secret_key), "", _profile(emu))


@pytest.fixture
def sdk_tag(emu: RunningEmulator) -> tag_client.TagClient:
    """The official ``tencentcloud-sdk-python-tag`` client pointed at the emulator over plain HTTP."""
    return tag_client.TagClient(credential.Credential(emu.secret_id, emu.secret_key), "", _profile(emu))
