"""The one address guard (crawler/addresses.py): every spelling of a refused address, names resolving to one."""
import socket

import pytest

from crawler import addresses
from crawler.addresses import AddressRefused, check_url, is_forbidden_host, parse_ipv4_like, resolve_allowed

REFUSED = [
    # (spelling, the range the reason must name)
    ("127.0.0.1", "loopback"), ("127.1", "loopback"), ("127.0.1", "loopback"), ("2130706433", "loopback"),
    ("0x7f000001", "loopback"), ("0X7F000001", "loopback"), ("0177.0.0.1", "loopback"), ("0x7f.0.0.1", "loopback"),
    ("0x7f.1", "loopback"), ("017700000001", "loopback"), ("127.0.0.1.", "loopback"),
    ("１２７．０．０．１", "loopback"), ("127。0。0。1", "loopback"), ("127.255.255.254", "loopback"),
    ("[::1]", "loopback"), ("::1", "loopback"), ("0:0:0:0:0:0:0:1", "loopback"),
    ("::ffff:127.0.0.1", "loopback"), ("[::ffff:7f00:1]", "loopback"), ("2002:7f00:1::1", "loopback"),
    ("64:ff9b::127.0.0.1", "loopback"), ("64:ff9b::a00:1", "private"),
    ("10.0.0.1", "private"), ("172.16.0.1", "private"), ("172.31.255.255", "private"), ("192.168.1.1", "private"),
    ("0xa000001", "private"), ("3232235777", "private"), ("::ffff:192.168.0.1", "private"), ("fd12:3456::1", "private"),
    ("100.64.0.1", "CGNAT"), ("100.127.255.254", "CGNAT"), ("::ffff:100.64.0.1", "CGNAT"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("fe80::1%eth0", "link-local"),
    ("[fe80::1%25eth0]", "link-local"),
    ("224.0.0.1", "multicast"), ("239.255.255.250", "multicast"), ("ff02::1", "multicast"),
    ("0.0.0.0", "unspecified"), ("0", "unspecified"), ("::", "unspecified"),
    ("198.18.0.1", "benchmarking"), ("198.19.255.1", "benchmarking"), ("192.0.2.1", "documentation"),
    ("2001:db8::1", "documentation"), ("240.0.0.1", "reserved"), ("255.255.255.255", "broadcast"),
    ("localhost", "loopback"), ("LOCALHOST", "loopback"), ("api.localhost", "loopback"), ("localhost.", "loopback"),
]
ALLOWED = ["8.8.8.8", "1.1.1.1", "134744072", "0x08080808", "100.128.0.1", "100.63.255.255", "172.32.0.1",
           "172.15.255.255", "2001:4860:4860::8888", "::ffff:8.8.8.8", "2002:0808:0808::1", "64:ff9b::8.8.8.8"]


@pytest.mark.parametrize("host,range_name", REFUSED)
def test_every_spelling_of_a_refused_address_is_refused(host, range_name):
    reason = is_forbidden_host(host, resolve=False)
    assert reason is not None and range_name in reason and "refused address" in reason
    assert check_url(f"http://{host if ':' not in host or host.startswith('[') else '[' + host + ']'}/x",
                     resolve=False) is not None


@pytest.mark.parametrize("host", ALLOWED)
def test_global_addresses_pass(host):
    assert is_forbidden_host(host, resolve=False) is None


def test_odd_ipv4_spellings_parse_like_inet_aton():
    assert str(parse_ipv4_like("127.1")) == "127.0.0.1"
    assert str(parse_ipv4_like("10.1.258")) == "10.1.1.2"  # the last part fills the remaining bytes
    assert str(parse_ipv4_like("0300.0250.0.1")) == "192.168.0.1"
    assert parse_ipv4_like("256.1.1.1") is None and parse_ipv4_like("1.2.3.4.5") is None
    assert parse_ipv4_like("example") is None and parse_ipv4_like("09.1.1.1") is None
    assert parse_ipv4_like("4294967296") is None  # over 32 bits: a name, which will not resolve


@pytest.fixture
def fake_dns(monkeypatch):
    """Names resolved by a table (the test's), everything else by the real resolver."""
    table: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in table:
            return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port or 0))
                    for a in table[host]]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(addresses.socket, "getaddrinfo", getaddrinfo)
    addresses._resolve_cached.cache_clear()
    yield table
    addresses._resolve_cached.cache_clear()


def test_a_name_resolving_to_a_refused_address_is_refused(fake_dns):
    fake_dns["portal.example"] = ["93.184.216.34"]
    fake_dns["rebind.example"] = ["93.184.216.34", "10.0.0.7"]  # one private answer among public ones is enough
    fake_dns["v6.example"] = ["::1"]
    assert is_forbidden_host("portal.example") is None
    reason = is_forbidden_host("rebind.example")
    assert "resolves to 10.0.0.7" in reason and "private" in reason
    assert "loopback" in check_url("https://v6.example/report.pdf")
    assert check_url("https://v6.example/report.pdf", allow_private=True) is None


def test_resolve_allowed_returns_only_checked_addresses(fake_dns):
    fake_dns["portal.example"] = ["93.184.216.34"]
    fake_dns["rebind.example"] = ["93.184.216.34", "100.64.3.3"]
    assert resolve_allowed("portal.example", 80) == ["93.184.216.34"]
    with pytest.raises(AddressRefused, match="CGNAT"):
        resolve_allowed("rebind.example", 80)
    assert resolve_allowed("rebind.example", 80, allow_private=True) == ["93.184.216.34", "100.64.3.3"]
    with pytest.raises(AddressRefused, match="loopback"):
        resolve_allowed("2130706433", 80)


def test_only_http_and_https_are_fetched():
    assert "scheme 'file'" in check_url("file:///etc/passwd", allow_private=True)
    assert "scheme 'gopher'" in check_url("gopher://8.8.8.8/", allow_private=True)
    assert "malformed" in check_url("http://8.8.8.8:99999/")
    assert "no host" in check_url("http:///x")
