"""`exchange.http`: where a `next` parameter may send the user."""

import pytest

from exchange.http import is_local_path, safe_next_url


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
