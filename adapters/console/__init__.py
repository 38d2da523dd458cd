"""The console adapter: the whole bot in a terminal, or over piped input."""
