"""The quick select writes the HTML Django's own Select writes, option for option."""

import pytest
from django import forms
from django.test.html import parse_html

from exchange.forms import QuickSelect
from exchange.models import City
from tests.factories import CityFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("value", [None, "", "PICK", "missing"])
def test_same_html_as_djangos_select(value):
    cities = [CityFactory(code=code, name_en=f"City <{code}> & co") for code in ("AA", "BB")]
    picked = {"PICK": cities[1].pk}.get(value, value)

    def render(widget):
        field = forms.ModelChoiceField(
            queryset=City.objects.order_by("code"), required=False, widget=widget
        )
        field.empty_label = "Any city"
        return field.widget.render("city", picked, attrs={"id": "id_city", "class": "form-select"})

    quick, django = render(QuickSelect), render(forms.Select)
    assert parse_html(quick) == parse_html(django)
    assert "City &lt;AA&gt; &amp; co" in quick
    assert quick.count(" selected") == django.count(" selected") == (value != "missing")
