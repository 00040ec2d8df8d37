"""Wire the webhooks into the tickets outbox when that app provides it."""
