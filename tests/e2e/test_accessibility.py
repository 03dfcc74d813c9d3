"""Every page each role reaches from its home page passes axe-core (no critical or serious
violation), over the demo cohort; and the checker itself fails a page that is broken on purpose."""

import re
from collections import deque
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.urls import Resolver404, resolve

from .axe import Allowed, assert_accessible, check_page

# The demo's login of each role (README: "What each role sees").
ROLE_LOGINS = {
    "participant": "sz01",
    "liaison": "liaison-dpo",
    "coordinator": "coordinator",
    "admin": "admin",
}

# Links the crawl does not follow: files rather than pages, and the way out.
DOWNLOADS = {
    "placements:roster_download",
    "placements:roster_download_all",
    "placements:calendar_feed",
    "participants:nominationimport_template",
    "placements:participant_data",
}
NOT_FOLLOWED = DOWNLOADS | {"logout", "admin:logout", "admin:view_on_site", "admin:jsi18n"}

# How far the crawl goes: a page of each kind, in a few variants (list/month/week, a filter).
MAX_PAGES = 300
VARIANTS_PER_PAGE = 3

# Violations in the Django admin's own markup and scripts that the project's templates cannot
# reach. Keep this short; each entry says why it stays.
SELECT2 = "the admin's autocomplete widget (select2, shipped with Django) builds this markup"
SELECT_FILTER = "the admin's two-box selector (SelectFilter2.js) adds an aria-label to a span"
THIRD_PARTY = (
    Allowed("label", "/admin/", ".select2-search__field", SELECT2),
    Allowed("aria-input-field-name", "/admin/", "select2-", SELECT2),
    Allowed("list", "/admin/", ".select2-selection", SELECT2),
    Allowed("aria-prohibited-attr", "/admin/", ".help-tooltip.search-label-icon", SELECT_FILTER),
)


def _key(url: str) -> tuple[str, str] | None:
    """Which page a link leads to, and its variant: the view's name, and the query without values
    that hold digits (ids, dates, page numbers and sort orders lead to the same template)."""
    parts = urlsplit(url)
    try:
        match = resolve(parts.path)
    except Resolver404:
        return None
    query = sorted(
        (k, v)
        for k, v in parse_qsl(parts.query)
        # The admin's own parameters (popups, facets, the list's filters kept on a change page)
        # show the same templates.
        if not k.startswith("_") and not re.search(r"\d", v)
    )
    return match.view_name, urlencode(query)


def crawl(page, *, allowed=THIRD_PARTY) -> tuple[list[str], list[str]]:
    """Visit every page reachable by links from the current one (same origin, GET), check each
    with axe; return the pages visited and the problems found."""
    origin = "{0.scheme}://{0.netloc}".format(urlsplit(page.url))
    queue = deque([page.url])
    seen: set[tuple[str, str]] = set()
    variants: dict[str, int] = {}
    visited, problems = [], []
    while queue and len(visited) < MAX_PAGES:
        url = queue.popleft()
        key = _key(url)
        if key is None or key in seen or key[0] in NOT_FOLLOWED:
            continue
        seen.add(key)
        if variants.get(key[0], 0) >= VARIANTS_PER_PAGE:
            continue
        variants[key[0]] = variants.get(key[0], 0) + 1
        response = page.goto(url)
        assert response is not None, url
        assert response.status < 500, f"{url}: {response.status}"
        if not response.ok or "text/html" not in response.headers.get("content-type", ""):
            continue
        visited.append(url)
        problems.extend(check_page(page, allowed=allowed))
        links = page.eval_on_selector_all(
            "a[href]:not([download])", "links => links.map(link => link.href)"
        )
        for link in links:
            link = link.split("#", 1)[0]
            if link.startswith(origin + "/") and not link.startswith(origin + "/static/"):
                queue.append(link)
    return visited, problems


@pytest.mark.parametrize("role", list(ROLE_LOGINS))
def test_every_page_of_each_role_passes_axe(page, demo_site, demo_login, role):
    assert get_user_model().objects.filter(username=ROLE_LOGINS[role]).exists()
    demo_login(ROLE_LOGINS[role])
    visited, problems = crawl(page)
    print(f"{role}: {len(visited)} pages checked")
    assert len(visited) >= 3, visited
    assert len(visited) < MAX_PAGES, "the crawl stopped at its bound: raise MAX_PAGES"
    assert not problems, f"{len(visited)} pages of {role}; violations:\n" + "\n".join(problems)


def test_the_login_page_passes_axe(page):
    page.goto("/accounts/login/")
    assert_accessible(page)


BROKEN_PAGE = """<!doctype html>
<html><head><title>Broken on purpose</title></head>
<body>
  <main>
    <h1>Broken</h1>
    <img src="/static/favicon.svg">
    <p style="color: #aaa; background: #fff">Low contrast text that nobody can read.</p>
    <form><input type="text" name="seats"></form>
  </main>
</body></html>"""


def test_the_checker_fails_a_broken_page(page):
    page.goto("/accounts/login/")
    page.set_content(BROKEN_PAGE)
    problems = check_page(page)
    rules = {problem.split("] ", 1)[1].split(":", 1)[0] for problem in problems}
    assert {"image-alt", "color-contrast", "label"} <= rules, problems
    with pytest.raises(AssertionError, match="image-alt"):
        assert_accessible(page)


def test_an_allowed_violation_is_left_out_and_only_there(page):
    page.goto("/accounts/login/")
    page.set_content(BROKEN_PAGE)
    allowed = (Allowed("image-alt", "/", "img", "a test of the allow-list"),)
    problems = check_page(page, allowed=allowed)
    assert not any("image-alt" in problem for problem in problems)
    elsewhere = (Allowed("image-alt", "/admin/", "img", "only on admin pages"),)
    assert any("image-alt" in problem for problem in check_page(page, allowed=elsewhere))
