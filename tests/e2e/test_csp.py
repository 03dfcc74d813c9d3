"""The browser tests run under the Content-Security-Policy and catch what it refuses."""

from playwright.sync_api import expect


def test_an_inline_script_is_refused_and_reported(page, csp_violations):
    page.goto("/accounts/login/")
    assert (
        "script-src 'self'"
        in page.request.get("/accounts/login/").headers["content-security-policy"]
    )
    page.evaluate(
        """() => {
          const script = document.createElement("script");
          script.textContent = "document.body.dataset.injected = 'yes'";
          document.body.append(script);
        }"""
    )
    page.wait_for_timeout(300)
    assert page.evaluate("document.body.dataset.injected") is None
    assert any("script-src" in violation for violation in csp_violations)
    csp_violations.clear()  # caught as it should be: the test passes


def test_the_language_switcher_works_without_an_inline_handler(page):
    page.goto("/accounts/login/")
    page.select_option("#language-select", "zh-hant")
    expect(page.get_by_role("heading", name="登入")).to_be_visible()
