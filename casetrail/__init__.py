"""The service chassis every casetrail service runs on, and the `casetrail` command.

No domain rules live here: event metadata, store wiring, the outbox relay, the inbox
consumer and the embedded NATS server, written once instead of four times.
"""
