"""A user's own account: password, mobile number, authenticator app, recovery codes, sessions, tokens."""
