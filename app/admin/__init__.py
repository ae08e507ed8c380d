"""Self-service administration for the Zentrale: users, permission classes, network, audit log."""
