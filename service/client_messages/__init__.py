"""The client's own messages: consents, reminders by e-mail and SMS, the provider's webhooks."""
