"""Reminder notices by e-mail (an outbox in the database, sent by Celery workers) and calendar feeds."""
