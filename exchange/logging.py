"""Log filters: what must never reach a log file."""

import logging
import re

# The calendar feed's address carries its only key (placements' `calendar/<token>.ics`): a
# request line in an access log would hand out the schedule to whoever reads the log.
CALENDAR_TOKEN = re.compile(r"(/calendar/)[A-Za-z0-9_-]+(\.ics)")
MASK = r"\1***\2"


def mask_calendar_tokens(text: str) -> str:
    return CALENDAR_TOKEN.sub(MASK, text)


class MaskCalendarTokenFilter(logging.Filter):
    """Replaces the token in any calendar feed path of a record's message (gunicorn's access log,
    Django's request and server logs) with `***`. Formats the message once, then drops the args
    so a handler cannot format the raw path back in."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_calendar_tokens(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
