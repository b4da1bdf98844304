"""FILE_HOSTS: which URLs and resolved addresses the bot may fetch attachments from."""

from __future__ import annotations

import ipaddress

import pytest

from bot.config import ConfigError, load_settings
from bot.domain.file_hosts import DEFAULT_FILE_HOSTS, FileHostPolicy, SourceRefused, refused_range, split_url

DEFAULT = FileHostPolicy.parse(",".join(DEFAULT_FILE_HOSTS))
WRAPPED = "IPv4-mapped, -compatible or Teredo"


@pytest.mark.parametrize("url", [
    "https://contoso-my.sharepoint.com/personal/anna/_layouts/15/download.aspx?UniqueId=1&tempauth=x",
    "https://contoso.sharepoint.com/sites/x/Shared%20Documents/plan.pdf",
    "https://CONTOSO-MY.SharePoint.com:443/a",
    "HTTPS://contoso.sharepoint.com/a b\x00?c",  # odd path characters are the client's to encode
])
def test_sharepoint_over_https_is_allowed_by_default(url):
    target = DEFAULT.check_url(url)
    assert target.scheme == "https" and target.host.endswith(".sharepoint.com") and target.port == 443


@pytest.mark.parametrize("url", [
    "http://contoso-my.sharepoint.com/a",  # https only
    "https://sharepoint.com/a", "https://evilsharepoint.com/a", "https://contoso.sharepoint.com.evil.example/a",
    "https://contoso.sharepoint.com@127.0.0.1/", "https://a:b@contoso.sharepoint.com/",
    "https://contoso.sharepoint.com\\@127.0.0.1/", "https://127.0.0.1\\.sharepoint.com/",
    "https://contoso.sharepoint.com%2f@127.0.0.1/", "https://contoso%2esharepoint.com/",
    "https://contoso.sharepoint.com./a", "https://contoso\t.sharepoint.com/", "https://xn--contoso.sharepoint.com\u00e9/",
    "https://127.0.0.1/", "https://2130706433/", "https://0x7f000001/", "https://0177.0.0.1/", "https://127.1/",
    "https://0x7f.1/", "https://[::1]/", "https://[::ffff:127.0.0.1]/", "https://0.0.0.0/", "https://0/",
    "https://169.254.169.254/latest/meta-data/", "https://[fd00:ec2::254]/", "https://[fe80::1%25eth0]/",
    "ftp://contoso.sharepoint.com/a", "file:///etc/passwd", "javascript:alert(1)", "//contoso.sharepoint.com/a",
    "https://contoso.sharepoint.com:0/", "https://contoso.sharepoint.com:99999/", "https://contoso.sharepoint.com:+1/",
    "https://contoso.sharepoint.com:/a", "", "https://" + "a." * 200 + "sharepoint.com/",
])
def test_everything_else_is_refused(url):
    with pytest.raises(SourceRefused) as refused:
        DEFAULT.check_url(url)
    assert refused.value.reason_key == "upload.refused_source"
    assert "?" not in refused.value.host and "/" not in refused.value.host  # only a host is ever logged


@pytest.mark.parametrize(("address", "reason"), [
    ("127.0.0.1", "loopback"), ("127.255.0.9", "loopback"), ("::1", "loopback"), ("0.0.0.0", "unspecified"),
    ("::", "unspecified"), ("10.0.0.1", "private"), ("172.16.5.4", "private"), ("192.168.1.1", "private"),
    ("fc00::1", "private"), ("169.254.1.1", "link-local"), ("fe80::1", "link-local"),
    ("169.254.169.254", "cloud metadata"), ("fd00:ec2::254", "cloud metadata"), ("168.63.129.16", "cloud metadata"),
    ("100.64.0.1", "shared (CGNAT)"), ("100.127.255.254", "shared (CGNAT)"), ("224.0.0.1", "multicast"),
    ("239.255.255.250", "multicast"), ("ff02::1", "multicast"), ("240.0.0.1", "private"),
    ("255.255.255.255", "private"), ("192.0.2.10", "private"), ("198.18.0.1", "private"),
    ("::ffff:127.0.0.1", WRAPPED), ("::ffff:8.8.8.8", WRAPPED), ("::127.0.0.1", WRAPPED),
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", WRAPPED),
    ("64:ff9b::7f00:1", "IPv4-embedding (loopback)"), ("2002:7f00:1::1", "IPv4-embedding (loopback)"),
    ("2002:a9fe:a9fe::1", "IPv4-embedding (cloud metadata)"), ("fec0::1", "site-local"),
])
def test_refused_address_ranges(address, reason):
    assert refused_range(ipaddress.ip_address(address)) == reason


@pytest.mark.parametrize("address", ["20.190.151.68", "52.108.0.1", "2603:1000::1", "64:ff9b::1432:9744",
                                     "2002:14be:9744::1"])
def test_public_addresses_pass(address):
    assert refused_range(ipaddress.ip_address(address)) is None


def test_a_listed_loopback_address_is_admitted_and_only_that_one():
    policy = FileHostPolicy.parse("127.0.0.1")
    target = policy.check_url("http://127.0.0.1:8080/f")  # http is fine for a loopback entry
    assert target.port == 8080
    for url in ("http://127.0.0.2/f", "http://localhost/f", "http://[::1]/f", "http://[::ffff:127.0.0.1]/f",
                "http://2130706433/f"):
        with pytest.raises(SourceRefused):
            policy.check_url(url)


def test_localhost_admits_loopback_addresses_for_that_name_only():
    policy = FileHostPolicy.parse("localhost")
    target = policy.check_url("http://localhost:3000/f")
    policy.check_address(target, ipaddress.ip_address("127.0.0.1"))
    policy.check_address(target, ipaddress.ip_address("::1"))
    with pytest.raises(SourceRefused):
        policy.check_address(target, ipaddress.ip_address("10.0.0.1"))


def test_http_needs_an_http_entry_for_a_non_loopback_host():
    with pytest.raises(SourceRefused):
        FileHostPolicy.parse("files.example.org").check_url("http://files.example.org/a")
    assert FileHostPolicy.parse("http://files.example.org").check_url("http://files.example.org/a").port == 80


def test_the_setting_is_validated():
    assert load_settings({}, env_file=None).file_hosts == DEFAULT
    settings = load_settings({"FILE_HOSTS": " *.SharePoint.com , https://files.example.org/ ,[::1]",
                              "MAX_FILES_PER_MESSAGE": "3", "MAX_UPLOADS_PER_DAY": "100"}, env_file=None)
    assert [r.pattern for r in settings.file_hosts.rules] == ["*.sharepoint.com", "files.example.org", "::1"]
    assert (settings.max_files_per_message, settings.max_uploads_per_day) == (3, 100)
    with pytest.raises(ConfigError) as wrong:
        load_settings({"FILE_HOSTS": "*, *.com, exa mple.org, 2130706433", "MAX_FILES_PER_MESSAGE": "0",
                       "MAX_UPLOADS_PER_DAY": "many"}, env_file=None)
    assert len(wrong.value.problems) == 3
    assert "'*', '*.com', 'exa mple.org', '2130706433'" in wrong.value.problems[0]


def test_split_url_reads_ports_and_ipv6():
    assert split_url("https://[2603:1000::1]:8443/x") == ("https", "2603:1000::1", 8443)
    assert split_url("http://files.example.org?x") == ("http", "files.example.org", 80)
