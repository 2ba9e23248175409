"""The claims check: one small registered function per claim (lowcap.claims.registry), measured
with one statistics layer (lowcap.stats).

Importing the package registers every claim, in the order of the claims table: capacity,
pruning and what pruning keeps, robustness, then the paper's open questions.

Transitional: the old single-module implementation (legacy) is re-exported until the claims job
switches to the registry.
"""

from lowcap.claims import capacity, pruning, robustness, imp, mutual_info, saliency_shift  # noqa: F401  (registers)
from lowcap.claims.legacy import *  # noqa: F401,F403
from lowcap.claims.legacy import main  # noqa: F401
