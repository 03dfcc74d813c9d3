"""An official's Chinese name for `exchange.people`."""

from exchange.people import chinese_is_active

from .models import Participant


def chinese_name_of_user(user) -> str:
    """On a Chinese page, the Chinese name of the official the account belongs to (their latest
    cohort's), else "". One query a user, remembered on the user object for the request."""
    if not chinese_is_active():
        return ""
    cached = getattr(user, "_chinese_name", None)
    if cached is None:
        cached = (
            Participant.objects.filter(user_id=user.pk)
            .exclude(name_zh="")
            .order_by("-cohort__orientation_start", "-pk")
            .values_list("name_zh", flat=True)
            .first()
            or ""
        )
        user._chinese_name = cached
    return cached
