"""API v2 resources and their routes."""
