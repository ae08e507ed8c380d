"""Group chat: rooms, messages, moderation, live delivery over Socket.IO."""
