"""Who is acting: bearer tokens verified against the issuer, the principal they name, and
what each role may do (the access matrices of the services)."""
