"""Facilitator accounts: users, memberships with a role per organisation, login sessions,
invitations. Framework-free; cookies and CSRF checks live in ``app/api``."""
