"""Tamper evidence for an append-only log, standalone: RFC 9162 Merkle trees, the leaf
encoding, C2SP signed checkpoints and the offline proof bundle. It imports only the standard
library and `cryptography`, so an auditor can verify a bundle without casetrail installed."""
