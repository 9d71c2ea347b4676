"""The one address guard: which hosts nianbao may fetch from. Used by every fetch the project makes (the crawler's
AddressGuardMiddleware, `nianbao extract URL` through crawler.fetch, every redirect hop of both).

Refused, unless the caller allows private addresses (`--allow-loopback`): loopback, private (RFC 1918, unique
local), shared/CGNAT 100.64.0.0/10, link-local, multicast, unspecified, broadcast, reserved, benchmarking,
documentation and the other non-global ranges of the IANA special-purpose registries — in every spelling a
resolver accepts (`127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1`, `[::1]`, `::ffff:127.0.0.1`, full-width
digits, a trailing dot) and through the IPv6 forms that embed an IPv4 address (IPv4-mapped, 6to4, NAT64,
Teredo). A name is refused when it, or any address it resolves to, is refused.

    check_url(url, allow_private=False) -> reason or None     # scheme, host spelling, and resolution
    is_forbidden_host(host, resolve=True) -> reason or None
    resolve_allowed(host, port, allow_private=False) -> [addresses to connect to]   # raises AddressRefused

A reason names the host, the address it spells or resolves to, and the range
("refused address 127.1 = 127.0.0.1: loopback").
"""
from __future__ import annotations

import ipaddress
import socket
import unicodedata
from functools import lru_cache
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# Ranges that are never fetched, with the name used in the refusal. Order matters only for the name given.
_V4 = [(ipaddress.ip_network(n), what) for n, what in [
    ("127.0.0.0/8", "loopback"), ("0.0.0.0/8", "unspecified ('this network')"), ("10.0.0.0/8", "private"),
    ("172.16.0.0/12", "private"), ("192.168.0.0/16", "private"), ("100.64.0.0/10", "shared (CGNAT)"),
    ("169.254.0.0/16", "link-local"), ("192.0.0.0/24", "IETF protocol assignment"),
    ("192.0.2.0/24", "documentation"), ("198.51.100.0/24", "documentation"), ("203.0.113.0/24", "documentation"),
    ("198.18.0.0/15", "benchmarking"), ("192.88.99.0/24", "6to4 relay anycast"), ("224.0.0.0/4", "multicast"),
    ("255.255.255.255/32", "broadcast"), ("240.0.0.0/4", "reserved")]]
_V6 = [(ipaddress.ip_network(n), what) for n, what in [
    ("::1/128", "loopback"), ("::/128", "unspecified"), ("::/96", "IPv4-compatible (deprecated)"),
    ("64:ff9b:1::/48", "local-use NAT64"), ("100::/64", "discard-only"), ("2001:db8::/32", "documentation"),
    ("fc00::/7", "private (unique local)"), ("fe80::/10", "link-local"), ("fec0::/10", "site-local"),
    ("ff00::/8", "multicast")]]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_TEREDO = ipaddress.ip_network("2001::/32")
_LOCAL_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
_DOTS = str.maketrans({"\u3002": ".", "\uff0e": ".", "\uff61": "."})  # the label separators IDNA accepts
SCHEMES = ("http", "https")


class AddressRefused(Exception):
    """A fetch to a refused address. `reason` says which host and which range."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def normalise_host(host: str) -> str:
    """The host as a resolver sees it: NFKC (full-width digits), IDNA dots, lower case, no brackets, no trailing
    dot, no IPv6 zone."""
    host = unicodedata.normalize("NFKC", host or "").translate(_DOTS).strip().lower()
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    host = host.split("%", 1)[0]
    return host[:-1] if host.endswith(".") else host


def parse_ipv4_like(host: str) -> ipaddress.IPv4Address | None:
    """An IPv4 address in any spelling inet_aton (and the WHATWG URL parser) accepts: 1 to 4 parts, each decimal,
    octal (leading 0) or hex (0x); the last part fills the remaining bytes (`127.1`, `2130706433`,
    `0x7f.0.0.1`, `0177.0.0.1`). None if `host` is not such a number."""
    parts = host.split(".")
    if not 1 <= len(parts) <= 4:
        return None
    values = []
    for part in parts:
        try:
            if part[:2] in ("0x", "0X"):
                values.append(int(part[2:] or "0", 16))
            elif len(part) > 1 and part.startswith("0"):
                values.append(int(part, 8))
            else:
                values.append(int(part, 10) if part.isascii() and part.isdigit() else -1)
        except ValueError:
            return None
        if values[-1] < 0:
            return None
    *head, last = values
    if any(v > 255 for v in head) or last >= 256 ** (4 - len(head)):
        return None
    number = 0
    for v in head:
        number = number * 256 + v
    return ipaddress.IPv4Address(number * 256 ** (4 - len(head)) + last)


def ip_literal(host: str) -> IPAddress | None:
    """The address `host` spells, if it is an address literal (any IPv4 spelling, IPv6 with or without
    brackets); None for a name."""
    host = normalise_host(host)
    if ":" in host:
        try:
            return ipaddress.IPv6Address(host)
        except ValueError:
            return None
    return parse_ipv4_like(host)


def forbidden_ip(ip: IPAddress) -> str | None:
    """The name of the refused range `ip` is in, or None for a global address."""
    if ip.version == 6:
        embedded = _embedded_v4(ip)
        for v4 in embedded:
            what = forbidden_ip(v4)
            if what:
                return f"{what} (embeds IPv4 {v4})"
        for net, what in _V6:
            if ip in net:
                return what
        if not embedded and not ip.is_global:
            return "not globally routable"
        return None
    for net, what in _V4:
        if ip in net:
            return what
    return None if ip.is_global else "not globally routable"


def _embedded_v4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries to the IPv4 network: IPv4-mapped, 6to4, NAT64, Teredo."""
    if ip.ipv4_mapped:
        return [ip.ipv4_mapped]
    if ip.sixtofour:
        return [ip.sixtofour]
    if ip in _NAT64:
        return [ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)]
    if ip in _TEREDO and ip.teredo:
        return list(ip.teredo)
    return []


def is_forbidden_host(host: str, resolve: bool = True) -> str | None:
    """Why `host` (a name or an address in any spelling) must not be fetched, or None. With `resolve`, a name is
    looked up and refused if any of its addresses is; a name that does not resolve is not refused here (the
    fetch fails on it and is recorded as unreachable)."""
    name = normalise_host(host)
    if not name:
        return "empty host"
    ip = ip_literal(name)
    if ip is not None:
        what = forbidden_ip(ip)
        return _reason(host, ip, what, literal=True) if what else None
    if name in _LOCAL_NAMES or name.endswith(".localhost"):
        return f"refused address {host}: a loopback name"
    if resolve:
        for addr in _resolve_cached(name):
            what = forbidden_ip(addr)
            if what:
                return _reason(host, addr, what, literal=False)
    return None


def _reason(host: str, ip: IPAddress, what: str, literal: bool) -> str:
    spelled = f"{host} = {ip}" if str(ip) != host else host
    return f"refused address {spelled}: {what}" if literal else f"refused address {host} (resolves to {ip}): {what}"


def check_url(url: str, allow_private: bool = False, resolve: bool = True) -> str | None:
    """Why `url` must not be fetched, or None: only http(s), and (unless `allow_private`) no refused host."""
    try:
        parts = urlsplit(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError as exc:
        return f"malformed URL {url!r}: {exc}"
    if parts.scheme.lower() not in SCHEMES:
        return f"scheme {parts.scheme or '(none)'!r} is not fetched (only http and https): {url}"
    if not host:
        return f"no host in {url}"
    return None if allow_private else is_forbidden_host(host, resolve=resolve)


def resolve_allowed(host: str, port: int, allow_private: bool = False) -> list[str]:
    """Addresses to connect to for `host`, every one checked: the caller connects to these, never re-resolves,
    so a name cannot answer a public address to the check and a private one to the connection. Raises
    AddressRefused, or OSError (socket.gaierror) when the name does not resolve."""
    ip = ip_literal(host)
    if ip is not None:
        addresses = [ip]
    else:
        name = normalise_host(host)
        if not allow_private and (name in _LOCAL_NAMES or name.endswith(".localhost")):
            raise AddressRefused(f"refused address {host}: a loopback name")
        addresses = _resolve(name, port, strict=True)
    if not allow_private:
        for addr in addresses:
            what = forbidden_ip(addr)
            if what:
                raise AddressRefused(_reason(host, addr, what, literal=ip is not None))
    return [str(a) for a in addresses]


@lru_cache(maxsize=4096)
def _resolve_cached(name: str) -> tuple[IPAddress, ...]:
    """For checks of many requests to the same hosts (the crawler). A connection made by crawler.fetch does not
    use it: resolve_allowed() resolves afresh and connects to what it checked."""
    return tuple(_resolve(name))


def _resolve(name: str, port: int = 80, strict: bool = False) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        if strict:
            raise exc if isinstance(exc, OSError) else OSError(f"cannot look up {name!r}: {exc}")
        return []
    out: list[IPAddress] = []
    for info in infos:
        addr = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if addr not in out:
            out.append(addr)
    return out
