"""Metrics (Prometheus) and structured logs with request and connection ids."""
