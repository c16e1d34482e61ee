"""Referral: hand the student to a receiver, hear its answer, follow up, close."""
