"""The partner portal's Litestar application."""
