"""The weights of the plan suggestion's score, kept on each cohort (`Cohort.plan_weights`).

An official placed at a department scores the weight of the rank they gave it (1st to 5th
choice), else the focus weight if the department works on one of their focus areas, else the
`none` weight. The weights must fall from the 1st choice to `none` (equal neighbours allowed), so
the score honours "1st choice > 2nd > ... > shared focus area > none".

No model here: the solver (`placements.planning`) reads these without Django set up.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# In the order the weights must not rise.
PLAN_WEIGHT_KEYS = ("1", "2", "3", "4", "5", "focus", "none")
DEFAULT_PLAN_WEIGHTS = {"1": 100, "2": 60, "3": 40, "4": 25, "5": 15, "focus": 10, "none": 0}
MAX_PLAN_WEIGHT = 1000


def default_plan_weights() -> dict[str, int]:
    return dict(DEFAULT_PLAN_WEIGHTS)


def validate_plan_weights(value) -> None:
    """Whole numbers from 0 to 1000 for exactly the keys 1–5, focus and none, never rising."""
    if not isinstance(value, dict) or set(value) != set(PLAN_WEIGHT_KEYS):
        raise ValidationError(
            _("Give a weight for each of the keys %(keys)s, and no other."),
            code="plan_weights_keys",
            params={"keys": ", ".join(PLAN_WEIGHT_KEYS)},
        )
    for key in PLAN_WEIGHT_KEYS:
        weight = value[key]
        if isinstance(weight, bool) or not isinstance(weight, int):
            raise ValidationError(
                _("The weight of %(key)s must be a whole number."),
                code="plan_weights_integer",
                params={"key": key},
            )
        if not 0 <= weight <= MAX_PLAN_WEIGHT:
            raise ValidationError(
                _("The weight of %(key)s must be between 0 and %(max)s."),
                code="plan_weights_range",
                params={"key": key, "max": MAX_PLAN_WEIGHT},
            )
    for better, worse in zip(PLAN_WEIGHT_KEYS, PLAN_WEIGHT_KEYS[1:], strict=False):
        if value[better] < value[worse]:
            raise ValidationError(
                _("The weight of %(better)s cannot be lower than the weight of %(worse)s."),
                code="plan_weights_order",
                params={"better": better, "worse": worse},
            )
