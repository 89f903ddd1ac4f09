"""Identity: organisations, users, roles, API keys and web sessions."""
