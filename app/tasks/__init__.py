"""Tasks (Aufgaben): assigned by the Zentrale to its staff and to partners' users, by a dealer's
managing director within the own business; with comments, history and recurrence."""
