"""Denksessie: live denksessies over waarden in het sociaal domein."""
