"""`exchange.http`: where a `next` parameter may send the user."""

import pytest

from exchange.http import client_address, is_local_path, safe_next_url


@pytest.mark.parametrize(
    "url",
    ["/", "/cohorts/1/board/", "/participants/7/?view=week&date=2027-03-01#today", "/名單/"],
)
def test_a_local_path_is_followed(rf, url):
    request = rf.post("/attachments/1/confirm/", {"next": url})
    assert is_local_path(url, request=request)
    assert safe_next_url(request, default="/fallback/") == url


@pytest.mark.parametrize(
    "url",
    [
        "NaN",  # Django's redirect() takes a bare word for a URL name: NoReverseMatch
        "cohorts/1/",
        "//evil.example.org/",
        "/\\evil.example.org/",
        "https://evil.example.org/",
        "http://testserver/cohorts/",
        "javascript:alert(1)",
        "/cohorts/\n1/",  # a newline cannot go into a Location header
        "/cohorts/\x001/",
        "/cohorts/\u200b/",
        "/" + "a" * 3000,
        " ",
    ],
)
def test_anything_else_falls_back(rf, url):
    request = rf.post("/attachments/1/confirm/", {"next": url})
    assert not is_local_path(url, request=request)
    assert safe_next_url(request, default="/fallback/") == "/fallback/"


def test_posted_next_comes_first_then_the_address(rf):
    request = rf.post("/x/?next=/from-the-address/", {"next": "/posted/"})
    assert safe_next_url(request, default="/fallback/") == "/posted/"
    request = rf.post("/x/?next=/from-the-address/", {"next": "NaN"})
    assert safe_next_url(request, default="/fallback/") == "/from-the-address/"
    assert safe_next_url(rf.get("/x/"), default="/fallback/") == "/fallback/"


# `client_address`: whose address the lockout, the reset limit and the access log record.


def test_without_trusted_proxies_the_address_is_the_peer_and_forwarding_is_ignored(rf, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    request = rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="198.51.100.1")
    assert client_address(request) == "203.0.113.9"


@pytest.mark.parametrize(
    ("count", "forwarded", "expected"),
    [
        (1, "198.51.100.7", "198.51.100.7"),
        # A client's own X-Forwarded-For comes first; the proxy appends the real peer last.
        (1, "6.6.6.6, 198.51.100.7", "198.51.100.7"),
        (2, "6.6.6.6, 198.51.100.7, 10.0.0.2", "198.51.100.7"),
        # Fewer entries than proxies: the request did not come through them all.
        (2, "198.51.100.7", "10.0.0.1"),
        (1, "", "10.0.0.1"),
    ],
)
def test_behind_trusted_proxies_the_address_is_what_the_outermost_one_saw(
    rf, settings, count, forwarded, expected
):
    settings.TRUSTED_PROXY_COUNT = count
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_address(request) == expected
