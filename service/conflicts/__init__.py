"""Conflict checks (ABA Model Rules 1.7 and 1.10): who, among the organisation's parties, a prospective party may be."""
