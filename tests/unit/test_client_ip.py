"""The person's address behind the reverse proxy: the X-Forwarded-For the proxy writes, never
what a caller sends straight to gpfed."""

from django.test import RequestFactory, override_settings

from kernel.requests import client_ip

FACTORY = RequestFactory()


def request(forwarded=None, remote="10.0.0.5"):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return FACTORY.get("/", **extra)


@override_settings(GPFED_BEHIND_PROXY=False)
def test_straight_to_gpfed_a_callers_forwarded_header_is_ignored():
    assert client_ip(request("203.0.113.9")) == "10.0.0.5"


@override_settings(GPFED_BEHIND_PROXY=True)
def test_behind_the_proxy_the_address_it_wrote_is_the_persons():
    assert client_ip(request("203.0.113.9")) == "203.0.113.9"
    assert client_ip(request("198.51.100.1, 203.0.113.9")) == "203.0.113.9"  # the proxy's entry
    assert client_ip(request("2001:db8::1")) == "2001:db8::1"


@override_settings(GPFED_BEHIND_PROXY=True)
def test_behind_the_proxy_anything_but_an_address_falls_back_to_the_connection():
    for junk in ("", "unknown", "203.0.113.9\r\nX-Evil: 1", "999.1.1.1"):
        assert client_ip(request(junk)) == "10.0.0.5"
    assert client_ip(request()) == "10.0.0.5"


@override_settings(GPFED_BEHIND_PROXY=True)
def test_sign_in_lockouts_count_the_persons_address_not_the_proxys():
    from axes.helpers import get_client_ip_address

    assert get_client_ip_address(request("203.0.113.9")) == "203.0.113.9"
