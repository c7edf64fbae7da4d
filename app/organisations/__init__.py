"""Organisations (tenants): every catalogue, casus and card belongs to one."""
