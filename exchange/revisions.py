"""Revision counters for what subscribed calendars show (RFC 5545 SEQUENCE and LAST-MODIFIED).

A calendar client replaces its copy of an event only when the event's SEQUENCE grows, so every row
behind a feed event counts its own revisions: a small integer raised by one whenever a field the
feed shows changes, with the time of that change. It is counted where the row is saved, whatever
path saves it (the services, the Django admin, the demo seed), by comparing the feed's fields with
the values the row was loaded with; saving a row unchanged, or changing a field the feed does not
show, leaves both alone.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone


class FeedRevisionMixin(models.Model):
    """Counts the revisions of the fields in `FEED_FIELDS` (attribute names, `department_id` for
    a foreign key) into `FEED_SEQUENCE_FIELD`, with their time in `FEED_REVISED_FIELD`."""

    FEED_FIELDS: tuple[str, ...] = ()
    FEED_SEQUENCE_FIELD = "sequence"
    FEED_REVISED_FIELD = "revised_at"

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        loaded = getattr(self, "_feed_loaded", None)
        if self.pk is not None and loaded is not None:
            now = self._feed_values()
            if any(loaded[name] != now[name] for name in loaded if name in now):
                touched = [self.FEED_REVISED_FIELD]
                setattr(self, self.FEED_REVISED_FIELD, timezone.now())
                # A service that counted this revision itself (for a change the fields do not
                # show, such as an activity's named officials) is not counted twice.
                counted = loaded.get(self.FEED_SEQUENCE_FIELD) != now.get(self.FEED_SEQUENCE_FIELD)
                if self.feed_revision_counts(loaded) and not counted:
                    setattr(
                        self, self.FEED_SEQUENCE_FIELD, getattr(self, self.FEED_SEQUENCE_FIELD) + 1
                    )
                    touched.append(self.FEED_SEQUENCE_FIELD)
                update_fields = kwargs.get("update_fields")
                if update_fields is not None:
                    kwargs["update_fields"] = {*update_fields, *touched}
        super().save(*args, **kwargs)
        self._feed_loaded = self._feed_values()

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._feed_loaded = instance._feed_values()
        return instance

    def _feed_values(self) -> dict:
        # Fields deferred by `.only()` are not in `__dict__`: they are left out of the comparison.
        # A translated field (issue 12) is kept in a column per language: each is compared, so
        # a change of the Chinese title alone is a revision too.
        languages = [code.replace("-", "_") for code, _name in settings.LANGUAGES]
        names = [
            *self.FEED_FIELDS,
            *(f"{name}_{code}" for name in self.FEED_FIELDS for code in languages),
            self.FEED_SEQUENCE_FIELD,
        ]
        return {name: self.__dict__[name] for name in names if name in self.__dict__}

    def feed_revision_counts(self, loaded: dict) -> bool:
        """Whether a change from `loaded` raises the sequence (the time is always recorded)."""
        return True
