"""Supervision (督导): the auditors' and district officers' read side, built only from CASES."""
