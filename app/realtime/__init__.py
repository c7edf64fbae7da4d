"""Websockets and fan-out across workers (hub + backplane)."""
