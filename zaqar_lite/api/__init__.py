"""The HTTP layer: Falcon middleware, error handling and versioned resources."""
