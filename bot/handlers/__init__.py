"""Use cases, one module per area of the product. Each handler takes a `Context` and a
parsed command and returns the replies to give; the service owns the transaction."""
