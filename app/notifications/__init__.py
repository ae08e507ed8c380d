"""The notification centre: what happened for a user, in the portal (live) and by e-mail."""
