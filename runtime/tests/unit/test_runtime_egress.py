"""Egress rules for partner-chosen URLs: each refusal names its rule; the checked address is
the one connected to."""

from collections.abc import Sequence

import httpx
import pytest

from cvihub_runtime.egress import (
    EgressPolicy,
    EgressRefused,
    EgressTransport,
    checked_destination,
)

STRICT = EgressPolicy()
DEV = EgressPolicy(allow_insecure_loopback=True)


def resolving(*answers: Sequence[str]) -> tuple[list[str], object]:
    """A resolver giving each call the next answer; and the names it was asked for."""
    asked: list[str] = []
    queue = [list(a) for a in answers]

    async def resolve(host: str, port: int) -> list[str]:
        asked.append(host)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    return asked, resolve


async def refusal(url: str, policy: EgressPolicy = STRICT, *answers: Sequence[str]) -> str:
    _, resolver = resolving(*(answers or (["93.184.215.14"],)))
    with pytest.raises(EgressRefused) as refused:
        await checked_destination(url, policy, resolver)  # type: ignore[arg-type]
    return refused.value.rule


@pytest.mark.parametrize(
    ("url", "rule"),
    [
        ("http://hooks.example.org/x", "https-only"),
        ("ftp://hooks.example.org/x", "https-only"),
        ("https://user:pw@hooks.example.org/x", "credentials-in-url"),
        ("https://127.0.0.1:8001/v1/admin/partners", "loopback-address"),
        ("https://[::1]/x", "loopback-address"),
        ("https://localhost/x", "loopback-address"),
        ("https://10.0.0.5/hook", "private-address"),
        ("https://172.16.3.4/hook", "private-address"),
        ("https://192.168.1.1/hook", "private-address"),
        ("https://169.254.169.254/latest/meta-data/", "cloud-metadata-address"),
        ("https://[fd00:ec2::254]/latest/", "cloud-metadata-address"),
        ("https://100.100.100.200/", "cloud-metadata-address"),
        ("https://169.254.10.10/", "link-local-address"),
        ("https://[fe80::1]/", "link-local-address"),
        ("https://[fd12:3456::1]/", "unique-local-address"),
        ("https://224.0.0.1/", "multicast-address"),
        ("https://[ff02::1]/", "multicast-address"),
        ("https://0.0.0.0/", "unspecified-address"),
        ("https://100.64.0.1/", "shared-address"),
        ("https://[::ffff:127.0.0.1]/", "loopback-address"),
        ("https://[::ffff:10.0.0.1]/", "private-address"),
        ("https://[64:ff9b::a9fe:a9fe]/", "cloud-metadata-address"),
        ("https://240.0.0.1/", "reserved-address"),
    ],
)
async def test_each_forbidden_destination_is_refused_by_its_rule(url: str, rule: str) -> None:
    assert await refusal(url) == rule


@pytest.mark.parametrize(
    ("answer", "rule"),
    [
        (["10.1.2.3"], "private-address"),
        (["169.254.169.254"], "cloud-metadata-address"),
        (["::1"], "loopback-address"),
        (["93.184.215.14", "192.168.0.9"], "private-address"),  # one bad answer is enough
        ([], "unresolvable"),
    ],
)
async def test_a_name_resolving_to_a_forbidden_address_is_refused(
    answer: list[str], rule: str
) -> None:
    assert await refusal("https://hooks.example.org/x", STRICT, answer) == rule


async def test_a_refusal_says_what_the_name_resolved_to() -> None:
    _, resolver = resolving(["10.1.2.3"])
    with pytest.raises(EgressRefused) as refused:
        await checked_destination("https://hooks.example.org/x", STRICT, resolver)  # type: ignore[arg-type]
    assert str(refused.value) == (
        "private-address: hooks.example.org resolves to 10.1.2.3, a private address"
    )


async def test_public_https_passes_and_dev_allows_http_to_loopback_only() -> None:
    _, resolver = resolving(["93.184.215.14"])
    url, address = await checked_destination("https://hooks.example.org/x", STRICT, resolver)  # type: ignore[arg-type]
    assert (url.host, str(address)) == ("hooks.example.org", "93.184.215.14")
    _, address = await checked_destination("http://127.0.0.1:9/x", DEV)
    assert str(address) == "127.0.0.1"
    assert await refusal("http://hooks.example.org/x", DEV) == "https-only"
    assert await refusal("https://10.0.0.5/x", DEV) == "private-address"  # dev is loopback only


class Recorder(httpx.AsyncBaseTransport):
    """Records what it was asked to connect to; answers 204."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        await request.aread()
        self.requests.append(request)
        return httpx.Response(204)


async def test_the_connection_goes_to_the_checked_address_with_the_name_kept() -> None:
    # DNS rebinding: a second resolution would give a private address; none is made.
    asked, resolver = resolving(["93.184.215.14"], ["10.0.0.5"])
    inner = Recorder()
    transport = EgressTransport(STRICT, resolver=resolver, inner=inner)  # type: ignore[arg-type]
    async with httpx.AsyncClient(transport=transport, follow_redirects=False) as client:
        answer = await client.post("https://hooks.example.org:8443/in?x=1", content=b"{}")
    assert answer.status_code == 204
    [sent] = inner.requests
    assert asked == ["hooks.example.org"]  # resolved once, for this request
    assert str(sent.url) == "https://93.184.215.14:8443/in?x=1"
    assert sent.headers["host"] == "hooks.example.org:8443"
    assert sent.extensions["sni_hostname"] == "hooks.example.org"
    assert sent.content == b"{}"


async def test_a_refused_request_never_reaches_the_network() -> None:
    inner = Recorder()
    transport = EgressTransport(STRICT, inner=inner)
    async with httpx.AsyncClient(transport=transport) as client:
        with pytest.raises(EgressRefused):
            await client.get("https://169.254.169.254/latest/meta-data/")
    assert inner.requests == []
