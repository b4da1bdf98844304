"""Where the bot may fetch a file from: allowed hosts and the addresses they may resolve to.

Teams hands the bot a pre-authorised ``downloadUrl`` on the tenant's SharePoint/OneDrive host;
other clients hand it a ``contentUrl``. Both are only text in an activity, so a URL is fetched
only when

- its scheme is ``https`` (plain ``http`` only for a host whose ``FILE_HOSTS`` entry says
  ``http://``, or for a loopback entry: loopback traffic never leaves the machine);
- it has no user info (``https://sharepoint.com@127.0.0.1/``) and its host is in canonical form
  (no ``2130706433``, ``0x7f.1``, ``0177.0.0.1``, ``127.1``: forms that some parsers and
  ``inet_aton`` read as an address and others as a name);
- its host matches an entry of ``FILE_HOSTS``;
- every address the host resolves to is a public unicast address: loopback, private, link-local,
  shared (CGNAT), multicast, unspecified, reserved and documentation ranges, cloud metadata
  addresses and IPv6 forms that embed such an IPv4 address (mapped, compatible, 6to4, NAT64,
  Teredo) are refused. The one exception is an address an entry names itself (``127.0.0.1``,
  ``::1``) or loopback for the entry ``localhost``: how tests and the Agents Playground (which
  serves attachments from its own loopback server) are allowed, explicitly.

The same checks run again on every redirect. This module only decides; ``bot/features/documents/downloads.py``
resolves the name once, checks the addresses here and connects to exactly those.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass

from bot.domain.documents import UploadRefused

# The tenant's SharePoint and OneDrive hosts (<tenant>.sharepoint.com, <tenant>-my.sharepoint.com):
# where a personal chat's files live ("Microsoft Teams Chat Files" in the sender's OneDrive).
# Bots receive files only in the commercial cloud (not GCC High, DoD or 21Vianet), so the
# sovereign clouds' SharePoint domains are not listed.
DEFAULT_FILE_HOSTS = ("*.sharepoint.com",)
MAX_REDIRECTS = 3
MAX_URL_LENGTH = 16_384

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Cloud metadata and platform endpoints. Most are in refused ranges anyway; listed so that a
# change of range rules never lets one through. 168.63.129.16 (Azure's platform address) is
# a public address.
METADATA_ADDRESSES = frozenset(ipaddress.ip_address(a) for a in (
    "169.254.169.254", "169.254.170.2", "169.254.169.253", "168.63.129.16", "100.100.100.200",
    "192.0.0.192", "fd00:ec2::254", "fd00:ec2::23",
))
_SHARED_ADDRESS_SPACE = ipaddress.ip_network("100.64.0.0/10")  # CGNAT, RFC 6598
_NAT64 = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_LABEL = re.compile(r"^(?!-)[a-z0-9_-]{1,63}(?<!-)$")
_CANONICAL_IPV4 = re.compile(r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$")
# What WHATWG's URL parser (and inet_aton) reads as an IPv4 number: a last label of digits
# or hex. Only the canonical dotted quad is accepted; every other such host is refused.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|\d+)$")


class SourceRefused(UploadRefused):
    """A file URL the bot will not fetch; ``reason`` is plain English for the log (no URL)."""

    def __init__(self, reason: str, *, host: str = ""):
        super().__init__("upload.refused_source")
        self.reason = reason
        self.host = host


@dataclass(frozen=True)
class HostRule:
    """One ``FILE_HOSTS`` entry."""

    pattern: str  # "*.sharepoint.com", "files.example.org", "127.0.0.1", "::1", "localhost"
    allow_http: bool = False

    @property
    def address(self) -> IPAddress | None:
        """The address the entry names, when it is an IP literal."""
        try:
            return ipaddress.ip_address(self.pattern)
        except ValueError:
            return None

    def matches(self, host: str) -> bool:
        """True when ``host`` (canonical, lower case) is covered by this entry."""
        if self.pattern.startswith("*."):
            suffix = self.pattern[1:]
            return host.endswith(suffix) and len(host) > len(suffix)
        address = self.address
        if address is not None:
            return _literal(host) == address
        return host == self.pattern

    def admits(self, address: IPAddress) -> bool:
        """True when this entry explicitly allows an otherwise refused ``address``."""
        if self.address is not None:
            return address == self.address  # exactly the one named, not its IPv4-mapped twin
        return self.pattern == "localhost" and address.is_loopback

    @property
    def local(self) -> bool:
        """A loopback entry: plain http is allowed, as the traffic stays on the machine."""
        return self.pattern == "localhost" or (self.address is not None and self.address.is_loopback)


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect, and under which entry."""

    scheme: str
    host: str  # canonical, lower case; an IPv6 literal without brackets
    port: int
    rule: HostRule

    @property
    def literal(self) -> IPAddress | None:
        """The host's address when the URL names an address rather than a name."""
        return _literal(self.host)


@dataclass(frozen=True)
class FileHostPolicy:
    """The ``FILE_HOSTS`` setting, parsed."""

    rules: tuple[HostRule, ...]

    @classmethod
    def parse(cls, text: str) -> FileHostPolicy:
        """Parse a comma-separated list of host patterns.

        Each entry is a host name (``files.example.org``), a wildcard for its subdomains
        (``*.sharepoint.com``), an IP address (``127.0.0.1``, ``::1`` or ``[::1]``) or
        ``localhost``; ``http://`` in front allows plain http for it (``https://`` is the
        default and may be written). A path or port is not part of an entry.

        Raises:
            ValueError: A plain-English message naming each wrong entry.
        """
        rules, problems = [], []
        for raw in text.split(","):
            entry = raw.strip().lower()
            if not entry:
                continue
            allow_http = entry.startswith("http://")
            entry = entry.split("://", 1)[1] if "://" in entry else entry
            entry = entry.rstrip("/")
            if entry.startswith("[") and entry.endswith("]"):
                entry = entry[1:-1]
            if not _valid_pattern(entry):
                problems.append(raw.strip())
                continue
            rules.append(HostRule(entry, allow_http))
        if problems:
            raise ValueError("FILE_HOSTS entries must be host names, *.domain wildcards or IP addresses; "
                             f"got {', '.join(repr(p) for p in problems)}")
        if not rules:
            raise ValueError("FILE_HOSTS must name at least one host (default: *.sharepoint.com)")
        return cls(tuple(rules))

    def check_url(self, url: str) -> Target:
        """The target of ``url`` when its scheme and host are allowed.

        Raises:
            SourceRefused: Not http(s), user info, a non-canonical or unlisted host, http where
                https is required, or an IP literal in a refused range.
        """
        scheme, host, port = split_url(url)
        rule = next((r for r in self.rules if r.matches(host)), None)
        if rule is None:
            raise SourceRefused("host not in FILE_HOSTS", host=host)
        if scheme == "http" and not (rule.allow_http or rule.local):
            raise SourceRefused("plain http to a host that needs https", host=host)
        target = Target(scheme, host, port, rule)
        if target.literal is not None:
            self.check_address(target, target.literal)
        return target

    def check_address(self, target: Target, address: IPAddress) -> None:
        """Refuse an address the host resolved to unless it is public or the entry names it.

        Raises:
            SourceRefused: A loopback, private, link-local, metadata (...) address.
        """
        reason = refused_range(address)
        if reason is not None and not target.rule.admits(address):
            raise SourceRefused(f"host resolves to a {reason} address", host=target.host)


def split_url(url: str) -> tuple[str, str, int]:
    """Scheme, canonical host and port of an absolute http(s) URL, read strictly.

    Raises:
        SourceRefused: Anything a lenient parser might read differently.
    """
    if not isinstance(url, str) or not url or len(url) > MAX_URL_LENGTH:
        raise SourceRefused("missing or overlong URL")
    scheme, sep, rest = url.partition("://")
    scheme = scheme.lower()
    if not sep or scheme not in ("http", "https"):
        raise SourceRefused("not an http(s) URL")
    # The authority ends at the first / ? or #; browsers also end it at a backslash, RFC 3986
    # parsers do not: a backslash there is refused rather than guessed at. (Odd characters in
    # the path and query are harmless: the HTTP client percent-encodes them.)
    authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
    if any(ch <= " " or ch in "\\\x7f" for ch in authority):
        raise SourceRefused("whitespace, control characters or backslashes in the URL's host")
    if "@" in authority or "%" in authority:
        raise SourceRefused("user info or escapes in the URL's host")
    if not authority.isascii():
        raise SourceRefused("non-ASCII host")
    if authority.startswith("["):
        host, bracket, port_text = authority[1:].partition("]")
        if not bracket or (port_text and not port_text.startswith(":")):
            raise SourceRefused("malformed IPv6 host")
        port_text = port_text[1:]
        try:
            host = str(ipaddress.IPv6Address(host))
        except ValueError:
            raise SourceRefused("malformed IPv6 host") from None
    else:
        host, _, port_text = authority.partition(":")
        host = host.lower()
        if not _canonical_name(host):
            raise SourceRefused("host not in canonical form", host=host[:100])
    default = 443 if scheme == "https" else 80
    if port_text == "" and not authority.endswith(":"):
        port = default
    elif port_text.isdigit() and 0 < int(port_text) <= 65535 and len(port_text) <= 5:
        port = int(port_text)
    else:
        raise SourceRefused("malformed port", host=host)
    return scheme, host, port


def refused_range(address: IPAddress) -> str | None:
    """Why ``address`` is not a public unicast address, or None when it is one."""
    if address in METADATA_ADDRESSES:
        return "cloud metadata"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None or address.teredo is not None or (
                address in _IPV4_COMPATIBLE and int(address) > 1):
            # Never what a resolver gives for a public host; an IPv4 address in IPv6 clothing.
            return "IPv4-mapped, -compatible or Teredo"
        embedded = _embedded_ipv4(address)
        if embedded is not None:  # NAT64 (IPv6-only hosts with DNS64) and 6to4: the IPv4 address decides
            inner = refused_range(embedded)
            return f"IPv4-embedding ({inner})" if inner else None
    checks = (("unspecified", address.is_unspecified), ("loopback", address.is_loopback),
              ("link-local", address.is_link_local), ("multicast", address.is_multicast),
              ("private", address.is_private), ("reserved", address.is_reserved))
    for name, hit in checks:
        if hit:
            return name
    if isinstance(address, ipaddress.IPv4Address) and address in _SHARED_ADDRESS_SPACE:
        return "shared (CGNAT)"
    if isinstance(address, ipaddress.IPv6Address) and address.is_site_local:
        return "site-local"
    if not address.is_global:
        return "non-global"
    return None


def parse_addresses(addresses: Iterable[str]) -> list[IPAddress]:
    """IP addresses from resolver output (an IPv6 scope id, ``%eth0``, is dropped)."""
    return [ipaddress.ip_address(a.split("%", 1)[0]) for a in addresses]


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address a NAT64 or 6to4 address is routed to, if it is one."""
    if address.sixtofour is not None:
        return address.sixtofour
    if any(address in network for network in _NAT64):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _literal(host: str) -> IPAddress | None:
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        return None


def _canonical_name(host: str) -> bool:
    """A DNS name of plain labels, or a canonical dotted-quad IPv4 address."""
    if not host or len(host) > 253:
        return False
    labels = host.split(".")
    if _NUMERIC_LABEL.fullmatch(labels[-1]) or all(_NUMERIC_LABEL.fullmatch(label) for label in labels):
        return bool(_CANONICAL_IPV4.fullmatch(host))
    return all(_LABEL.fullmatch(label) for label in labels)


def _valid_pattern(entry: str) -> bool:
    if _literal(entry) is not None:
        return True
    name = entry[2:] if entry.startswith("*.") else entry
    return "." in name and _canonical_name(name) or entry == "localhost"
