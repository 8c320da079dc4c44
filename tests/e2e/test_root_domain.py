"""The root-domain setting (``tencentcloud:domain``, Terraform's ``domain``) through the real CLI.

Tencent's international site is ``<service>.intl.tencentcloudapi.com``: each service has its own host under a root
domain, and the signing service stays ``ssl`` or ``tag``. Here the root domain is ``localhost:PORT`` (names under
``localhost`` are this machine, RFC 6761), so every service has its own host, ``ssl.localhost:PORT`` and
``tag.localhost:PORT``, all answered by the emulator; its call log records the Host each call was signed for.
"""

from __future__ import annotations

import pytest

from support.project import FAILED, Project, upload_entry

pytestmark = pytest.mark.e2e


def use_root_domain(project: Project, domain: str, protocol: str = "HTTP") -> None:
    config = project.dir / f"Pulumi.{project.stack}.yaml"
    config.write_text(f"config:\n  tencentcloud:domain: {domain}\n  tencentcloud:protocol: {protocol}\n")


def test_every_service_is_reached_through_its_own_host_under_the_root_domain(project: Project) -> None:
    port = project.emu.port
    use_root_domain(project, f"localhost:{port}")
    project.make_cert("www", "www.example.com")
    project.make_cert("api", "api.example.com")
    project.write_stack("defaults: {tags: {team: web}}\ncertificates:\n" + upload_entry("www", "www")
                        + upload_entry("api", "api"))  # fmt: skip
    project.up()
    ids = {name: out["id"] for name, out in project.outputs().items()}
    assert set(ids.values()) == set(project.certificates())

    project.write_stack("certificates:\n" + upload_entry("www", "www"))  # removing api: the checked delete
    project.up()
    assert set(project.certificates()) == {ids["www"]}

    calls = project.emu.calls()
    assert calls and all(c["ErrorCode"] is None for c in calls), calls
    hosts = {(c["Service"], c["Host"]) for c in calls}
    assert hosts == {("ssl", f"ssl.localhost:{port}"), ("tag", f"tag.localhost:{port}")}, hosts
    actions = {c["Action"] for c in calls}
    assert {"UploadCertificate", "DeleteCertificate", "DescribeDeleteCertificatesTaskResult"} <= actions


def test_plain_http_to_a_root_domain_beyond_this_machine_is_refused(project: Project) -> None:
    project.write_www_stack()
    use_root_domain(project, "intl.tencentcloudapi.com")
    proc = project.pulumi.run("preview", "--stack", project.stack, cwd=project.dir, check=False)
    out = proc.stdout
    assert proc.returncode == FAILED, out
    assert "tencentcloud:" in out and "TENCENTCLOUD_PROTOCOL (protocol) HTTP" in out, out
    assert "http://ssl.intl.tencentcloudapi.com" in out and "allowInsecureEndpoint" in out, out
    assert project.emu.calls() == []
    assert project.state_resources() == {}


def test_a_root_domain_that_is_not_a_domain_is_refused_naming_the_config_key(project: Project) -> None:
    project.write_www_stack()
    use_root_domain(project, "https://intl.tencentcloudapi.com", protocol="HTTPS")
    proc = project.pulumi.run("preview", "--stack", project.stack, cwd=project.dir, check=False)
    out = proc.stdout
    assert proc.returncode == FAILED, out
    assert "tencentcloud:domain" in out and "without a scheme" in out, out
    assert project.emu.calls() == []
