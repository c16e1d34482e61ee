"""Notification: the family is told, acknowledges, or the notice escalates."""
