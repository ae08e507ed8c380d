"""Socket.IO: connect-time authentication, room names and emitters. Imports nothing from app/."""
