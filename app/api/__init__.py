"""HTTP routers: thin layers that validate, call a domain service and shape the answer."""
