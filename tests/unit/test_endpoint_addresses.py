"""``endpoint``: where vendor credentials and buyers' data may be sent (https, public, or loopback)."""

from __future__ import annotations

import pytest

from shoprelay.problems import SettingsError
from shoprelay.vendors import load_vendor, vendor_names
from shoprelay.vendors.addresses import AddressError, check_endpoint, check_host

ALLOWED = [
    "https://api.example.com",
    "https://api.example.com:8443/v2/",
    "https://8.8.8.8",
    "https://[2001:4860:4860::8888]/",
    "http://127.0.0.1:8080",
    "http://127.0.0.1:8080/sandbox",
    "http://127.9.9.9",
    "http://[::1]:9000/",
    "http://localhost:5000",
    "http://sandbox.localhost",
    "https://localhost",
]

REFUSED = {
    # plain http beyond loopback: credentials in clear text
    "http://api.example.com": "https",
    "http://8.8.8.8": "https",
    # metadata, link-local and credentials endpoints
    "https://169.254.169.254/latest/meta-data/": "link-local",
    "http://169.254.169.254": "link-local",
    "http://169.254.170.2/v2/credentials": "link-local",
    "https://[fd00:ec2::254]/": "private",
    "https://[fe80::1]/": "link-local",
    # the same addresses in the other spellings a resolver accepts
    "https://2852039166/": "link-local",
    "https://0xa9fea9fe/": "link-local",
    "https://169.254.43518/": "link-local",
    "https://0251.0376.0251.0376/": "link-local",
    "https://169.254.169.254./": "link-local",
    "https://[::ffff:169.254.169.254]/": "link-local",
    "https://[::ffff:10.0.0.1]/": "private",
    "https://[64:ff9b::a9fe:a9fe]/": "link-local",
    "https://[2002:a9fe:a9fe::1]/": "link-local",
    # private ranges
    "https://10.0.0.1": "private",
    "https://10.255.255.255": "private",
    "https://172.16.0.1": "private",
    "https://172.31.255.254": "private",
    "https://192.168.1.1": "private",
    "https://100.64.0.1": "private",
    "https://[fc00::1]/": "private",
    "https://0.0.0.0": "unicast",
    "https://224.0.0.1": "unicast",
    # names that exist only in a private network
    "https://metadata/": "private network",
    "https://instance-data.ec2.internal/": "private network",
    "https://printer.local/": "private network",
    # not a base URL
    "https://user:pass@api.example.com": "user name or password",
    "https://api.example.com/?key=1": "query",
    "https://api.example.com/#top": "query or fragment",
    "ftp://api.example.com": "https URL",
    "api.example.com": "https URL",
    "https://": "https URL",
    "https://api.example.com:99999": "URL",
    "https://api example.com": "spaces",
    " https://api.example.com": "spaces",
    "https://api_example.com": "host name",
}


@pytest.mark.parametrize("url", ALLOWED)
def test_allowed(url: str) -> None:
    assert check_endpoint(url) == url


@pytest.mark.parametrize(("url", "said"), REFUSED.items())
def test_refused_with_the_reason(url: str, said: str) -> None:
    with pytest.raises(AddressError, match=said):
        check_endpoint(url)


def test_172_outside_the_private_block_is_public() -> None:
    assert check_endpoint("https://172.32.0.1") == "https://172.32.0.1"


def test_a_dns_name_is_judged_by_its_shape_not_resolved() -> None:
    """Resolution at check time would prove nothing about the address used later."""
    assert check_host("metadata.example.com") == "metadata.example.com"
    assert check_host("API.Example.COM") == "api.example.com"


@pytest.mark.parametrize("vendor", vendor_names())
@pytest.mark.parametrize(
    "url", ["http://api.example.com", "https://169.254.169.254", "https://10.1.2.3", "https://[fd00:ec2::254]"]
)
def test_every_vendor_refuses_an_unsafe_endpoint_as_a_settings_error(vendor: str, url: str) -> None:
    model = load_vendor(vendor).settings_model
    with pytest.raises(SettingsError) as caught:
        model.parse({**load_vendor(vendor).placeholder_settings, "endpoint": url})
    (problem,) = caught.value.problems
    assert problem.path == "endpoint"
    assert url.split("//")[1] not in problem.message


@pytest.mark.parametrize("vendor", vendor_names())
def test_every_vendor_accepts_a_loopback_sandbox(vendor: str) -> None:
    model = load_vendor(vendor).settings_model
    settings = model.parse({**load_vendor(vendor).placeholder_settings, "endpoint": "http://127.0.0.1:8123"})
    assert settings.endpoint == "http://127.0.0.1:8123"
