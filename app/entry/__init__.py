"""The monthly entry form: a partner's figures typed in by its own people or by the Zentrale."""
