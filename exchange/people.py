"""How people are named on pages, in mails and feeds: in Chinese, by their Chinese name.

The ground knows only the user account; the apps above that know more about a person (an
official's Chinese name) register a provider here in their `AppConfig.ready()`.
"""

from collections.abc import Callable

from django.utils import translation

NameProvider = Callable[[object], str]
_providers: list[NameProvider] = []


def register_name_provider(provider: NameProvider) -> NameProvider:
    if provider not in _providers:
        _providers.append(provider)
    return provider


def chinese_is_active() -> bool:
    return (translation.get_language() or "").startswith("zh")


def display_name(user) -> str:
    """The user's name in the active language: a provider's (the Chinese name, in Chinese),
    else the account's full name, else the username."""
    if user is None or not getattr(user, "is_authenticated", False):
        return ""
    for provider in _providers:
        name = provider(user)
        if name:
            return name
    return user.get_full_name() or user.get_username()
