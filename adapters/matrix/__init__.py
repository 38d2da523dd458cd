"""Matrix: `tandem matrix`, the bot as an account on a homeserver (client-server API,
matrix-nio)."""
