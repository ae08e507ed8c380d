"""Sign-in, sessions, access tokens and the permission model."""
