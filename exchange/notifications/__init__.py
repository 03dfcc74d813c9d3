"""Sending the outbox: notification types, the reminder planner, the dispatcher, the send, and the
pages where people read their notices and coordinators watch a cohort's outbox."""
