"""Under production settings, served by gunicorn: every response carries the security headers and
every cookie is Secure and SameSite=Lax."""

import os
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request

import pytest
from django.contrib.auth.hashers import PBKDF2PasswordHasher

from tests.factories import PASSWORD, UserFactory
from tests.gunicorn_harness import ROOT, database_url_of_tests, gunicorn_server

HOST = "exchange.example.org"
PRODUCTION_ENV = {
    "SECRET_KEY": "k3$Hq9!vZp2@Lw7#Rt5%Nb8^Jm4&Yc6*Xs1(Gd0)Fe-Ua+Wi=Oo_Py~Qr" * 2,
    "ALLOWED_HOSTS": HOST,
    "CELERY_BROKER_URL": "redis://127.0.0.1:6379/0",
}


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def assert_security_headers(response):
    csp = response.headers["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src
    assert "'unsafe-eval'" not in script_src
    assert "default-src 'self'" in csp
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "camera=()" in response.headers["Permissions-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"


def set_cookies(response) -> list[str]:
    return response.headers.get_all("Set-Cookie") or []


def assert_secure_cookies(response):
    for cookie in set_cookies(response):
        attributes = [part.strip().lower() for part in cookie.split(";")]
        assert "secure" in attributes, cookie
        assert "samesite=lax" in attributes, cookie


@pytest.mark.django_db(transaction=True)
def test_every_response_under_production_settings_is_hardened(tmp_path):
    # Production checks passwords with Django's default hashers, not the tests' fast one.
    user = UserFactory(username="prod-coordinator")
    user.password = PBKDF2PasswordHasher().encode(PASSWORD, PBKDF2PasswordHasher().salt())
    user.save(update_fields=["password"])
    env = {**PRODUCTION_ENV, "STATIC_ROOT": str(tmp_path / "static")}
    collected = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
        [sys.executable, "manage.py", "collectstatic", "--no-input", "-v0"],
        cwd=ROOT,
        env={
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            **env,
            "DJANGO_SETTINGS_MODULE": "exchange.settings.production",
            "DATABASE_URL": database_url_of_tests(),
        },
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert collected.returncode == 0, collected.stderr
    # Cookies by hand: a cookie jar would keep the Secure ones from this plain-http connection
    # (the proxy's https is simulated by X-Forwarded-Proto).
    jar: dict[str, str] = {}
    opener = urllib.request.build_opener(NoRedirect)
    with gunicorn_server(settings="exchange.settings.production", env=env) as (base_url, _log):
        headers = {"Host": HOST, "X-Forwarded-Proto": "https"}

        def fetch(path, data=None, referer=None):
            request = urllib.request.Request(  # noqa: S310 (our local server)
                base_url + path,
                data=urllib.parse.urlencode(data).encode() if data is not None else None,
                headers={
                    **headers,
                    "Cookie": "; ".join(f"{k}={v}" for k, v in jar.items()),
                    **({"Referer": referer} if referer else {}),
                },
            )
            try:
                response = opener.open(request, timeout=30)
            except urllib.error.HTTPError as error:
                response = error
            for cookie in set_cookies(response):
                name, value = cookie.split(";", 1)[0].split("=", 1)
                jar[name] = value
            return response

        login_page = fetch("/accounts/login/")
        assert login_page.status == 200
        csrf = jar["csrftoken"]
        referer = f"https://{HOST}/accounts/login/"
        language = fetch(
            "/i18n/setlang/",
            {"csrfmiddlewaretoken": csrf, "language": "zh-hant", "next": "/accounts/login/"},
            referer,
        )
        logged_in = fetch(
            "/accounts/login/",
            {"csrfmiddlewaretoken": csrf, "username": user.username, "password": PASSWORD},
            referer,
        )
        missing = fetch("/no-such-page/")
        static = fetch("/static/js/app.js")
        responses = [login_page, language, logged_in, missing, static]

        assert [r.status for r in responses] == [200, 302, 302, 404, 200]
        names = {c.split("=", 1)[0] for r in responses for c in set_cookies(r)}
        assert {"csrftoken", "django_language", "sessionid"} <= names
        for response in responses:
            assert_security_headers(response)
            assert_secure_cookies(response)
