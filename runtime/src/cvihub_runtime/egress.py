"""Outbound requests to addresses someone outside chose (webhook URLs): the URL policy, and a
transport that connects only to the address it checked.

- HTTPS only; `http://` and loopback addresses only when the policy allows them (local
  development and tests; off by default).
- Never an address that is loopback, private, link-local, unique-local, multicast, shared
  (CGNAT), unspecified, reserved or a cloud metadata service, IPv4 or IPv6 (IPv4-mapped and
  NAT64 forms included), whether written in the URL or what its name resolves to.
- DNS rebinding: the name is resolved once per request and the connection goes to the address
  that was checked (TLS still verifies the name: SNI and Host stay the URL's).
- Redirects are never followed (the client must say so too: `follow_redirects=False`).

Each refusal is an EgressRefused naming its rule, for a clear record or problem detail.
"""

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import httpx

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
Resolver = Callable[[str, int], Awaitable[list[str]]]
"""Gives the addresses a host name resolves to (tests put a fake one in)."""

CLOUD_METADATA = frozenset(
    ipaddress.ip_address(a)
    for a in (
        "169.254.169.254",  # AWS, GCP, Azure, OpenStack, DigitalOcean
        "169.254.170.2",  # AWS ECS task metadata
        "100.100.100.200",  # Alibaba Cloud
        "fd00:ec2::254",  # AWS over IPv6
    )
)
SHARED = ipaddress.ip_network("100.64.0.0/10")  # carrier-grade NAT, RFC 6598
NAT64 = ipaddress.ip_network("64:ff9b::/96")


class EgressRefused(Exception):
    """An outbound request the policy does not allow; `rule` names the rule it broke."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(f"{rule}: {detail}")
        self.rule = rule
        self.detail = detail


@dataclass(frozen=True)
class EgressPolicy:
    """What outbound requests may reach; the default is the strict one."""

    allow_insecure_loopback: bool = False
    """Allow `http://` and loopback addresses (local development and tests only)."""


def _embedded_ipv4(address: IPAddress) -> IPAddress:
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            return address.ipv4_mapped
        if address in NAT64:
            return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return address


def address_rule(address: IPAddress, policy: EgressPolicy) -> str | None:
    """The rule an address breaks, or None when requests may go there."""
    address = _embedded_ipv4(address)
    if address in CLOUD_METADATA:
        return "cloud-metadata-address"
    if address.is_loopback:
        return None if policy.allow_insecure_loopback else "loopback-address"
    if address.is_link_local:
        return "link-local-address"
    if isinstance(address, ipaddress.IPv6Address) and address in ipaddress.ip_network("fc00::/7"):
        return "unique-local-address"
    if address.is_multicast:
        return "multicast-address"
    if address.is_unspecified:
        return "unspecified-address"
    if address in SHARED:
        return "shared-address"
    if address.is_reserved:
        return "reserved-address"
    if address.is_private:
        return "private-address"
    if not address.is_global:
        return "reserved-address"
    return None


def check_address(address: str, policy: EgressPolicy, *, host: str) -> IPAddress:
    """The address parsed, or EgressRefused naming the rule it breaks."""
    parsed = ipaddress.ip_address(address.split("%", 1)[0])  # no IPv6 zone ids
    rule = address_rule(parsed, policy)
    if rule is not None:
        named = "" if host == address else f"{host} resolves to "
        raise EgressRefused(rule, f"{named}{parsed}, a {rule.replace('-', ' ')}")
    return parsed


def check_url(url: str | httpx.URL, policy: EgressPolicy) -> httpx.URL:
    """The URL if its form is allowed (scheme, host, no credentials); else EgressRefused."""
    try:
        parsed = httpx.URL(url) if isinstance(url, str) else url
    except httpx.InvalidURL:
        raise EgressRefused("malformed-url", "the URL cannot be parsed") from None
    if parsed.scheme == "http" and not policy.allow_insecure_loopback:
        raise EgressRefused("https-only", "plain http:// is not allowed; use https://")
    if parsed.scheme not in ("https", "http"):
        raise EgressRefused("https-only", f"the scheme {parsed.scheme or '(none)'} is not allowed")
    if not parsed.host:
        raise EgressRefused("no-host", "the URL names no host")
    if parsed.userinfo:
        raise EgressRefused("credentials-in-url", "the URL must not carry a user or password")
    return parsed


def _literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


async def system_resolver(host: str, port: int) -> list[str]:
    """The addresses the system resolver gives for a host (TCP)."""
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


async def pinned_address(
    url: httpx.URL, policy: EgressPolicy, resolver: Resolver = system_resolver
) -> IPAddress:
    """The one address to connect to for this URL, every resolved address checked."""
    host = url.host
    if _literal(host):
        return check_address(host, policy, host=host)
    local = host.rstrip(".").lower() == "localhost" or host.lower().endswith(".localhost")
    if local and not policy.allow_insecure_loopback:
        raise EgressRefused("loopback-address", f"{host} is the local machine")
    try:
        addresses = await resolver(host, url.port or (443 if url.scheme == "https" else 80))
    except OSError:
        raise EgressRefused("unresolvable", f"{host} does not resolve") from None
    if not addresses:
        raise EgressRefused("unresolvable", f"{host} does not resolve")
    # Every answer must pass: a name that also resolves to a private address is refused.
    checked = [check_address(a, policy, host=host) for a in addresses]
    return checked[0]


async def checked_destination(
    url: str | httpx.URL, policy: EgressPolicy, resolver: Resolver = system_resolver
) -> tuple[httpx.URL, IPAddress]:
    """The URL and the one address a request to it may connect to; else EgressRefused."""
    parsed = check_url(url, policy)
    address = await pinned_address(parsed, policy, resolver)
    if parsed.scheme == "http" and not _embedded_ipv4(address).is_loopback:
        raise EgressRefused("https-only", "plain http:// is allowed only to a loopback address")
    return parsed, address


class EgressTransport(httpx.AsyncBaseTransport):
    """An httpx transport that checks each request's URL, resolves its host once, checks every
    address, and connects to the checked one, keeping the URL's name for Host and TLS."""

    def __init__(
        self,
        policy: EgressPolicy,
        *,
        resolver: Resolver = system_resolver,
        inner: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.policy = policy
        self._resolver = resolver
        self._inner = inner
        # One pool per host name: a connection verified for one name is never reused for
        # another name that resolves to the same address.
        self._pools: dict[str, httpx.AsyncBaseTransport] = {}

    def _pool(self, host: str) -> httpx.AsyncBaseTransport:
        if self._inner is not None:
            return self._inner
        pool = self._pools.get(host)
        if pool is None:
            pool = self._pools[host] = httpx.AsyncHTTPTransport()
        return pool

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        """Send the request to the pinned address, or raise EgressRefused."""
        url, address = await checked_destination(request.url, self.policy, self._resolver)
        pinned = httpx.Request(
            request.method,
            url.copy_with(host=str(address)),
            headers=request.headers,  # Host stays the name the URL gave
            stream=request.stream,
            extensions={**request.extensions, "sni_hostname": url.host},
        )
        return await self._pool(url.host.lower()).handle_async_request(pinned)

    async def aclose(self) -> None:
        """Close every pool's connections."""
        for pool in [*self._pools.values(), *([self._inner] if self._inner else [])]:
            await pool.aclose()
        self._pools.clear()


def egress_client(
    policy: EgressPolicy, *, timeout: float, resolver: Resolver = system_resolver
) -> httpx.AsyncClient:
    """An httpx client for partner-chosen URLs: the egress transport, redirects never followed."""
    return httpx.AsyncClient(
        transport=EgressTransport(policy, resolver=resolver),
        timeout=timeout,
        follow_redirects=False,
    )
