"""Monthly figures: validation, storage with history, and the API."""
