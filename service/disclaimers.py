"""Every "not legal advice" statement Forestall shows, in one place: each legal output carries one.

A wording change is made here and reviewed as one piece of text."""

from __future__ import annotations

# Deadlines (the API's deadline lists).
DEADLINES = (
    'Not legal advice: computed from the events entered and the cited rules; verify against the '
    'source before relying on it.'
)

# The deficiency estimate.
DEFICIENCY = 'Not legal advice: an estimate from the amounts entered and the cited rules; verify before relying on it.'

# The communications log and servicer compliance.
COMMUNICATIONS = (
    'Not legal advice: a record of what was logged, with the clocks computed from the cited rules; '
    'verify against the source before relying on it.'
)

# Deficiency-waiver requests.
WAIVERS = (
    'Not legal advice: get any waiver of the deficiency in writing, signed by the lender, before the '
    'client signs a short sale, deed in lieu or settlement; verify the amounts and the law.'
)

# A jurisdiction's rules.
JURISDICTION_RULES = (
    'Not legal advice. Each rule shows its citation, source, the date it was checked and a '
    'confidence; items marked unknown or unverified must be verified manually.'
)

# Reminder, escalation and digest e-mails, and the calendar feeds.
REMINDERS = (
    'Not legal advice: this reminder is computed from the events entered and the cited rules. Check '
    'the source before relying on a date.'
)

# Every PDF report's footer.
REPORTS = (
    'Not legal advice. Deadlines and rules are computed from the events entered and the cited '
    'sources; verify each against its source before relying on it.'
)
