"""The claims check (being rebuilt as a registry: lowcap.claims.registry, lowcap.stats).

Transitional: re-exports the old single-module implementation until the registry replaces it."""

from lowcap.claims.legacy import *  # noqa: F401,F403
from lowcap.claims.legacy import main  # noqa: F401
