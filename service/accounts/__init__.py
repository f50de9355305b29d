"""Accounts: signing in (throttling, two-factor), password resets and invitations, sessions that end at
once, and the organisation admin's user management (pages under /settings, JSON under /api/v1/users)."""
