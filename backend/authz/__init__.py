"""Authorization, below every feature: staff roles and scopes (``roles``, ``scope``) and
residents' bearer tokens (``tokens``, ``resident``). It reads models, never a feature's
services or views, so every feature may import it."""
