"""The claims check: one small registered function per claim (lowcap.claims.registry), measured
with one statistics layer (lowcap.core.stats), rendered by lowcap.claims.table.

Importing the package registers every claim, in the order of the claims table: capacity,
pruning and what pruning keeps, robustness, then the paper's open questions.
"""

from lowcap.claims import capacity, pruning, robustness, imp, mutual_info, saliency_shift  # noqa: F401  (registers)
from lowcap.claims.table import (  # noqa: F401
    BLOCK_BEGIN, BLOCK_END, FINDINGS_PAGE, SEEDS_BEGIN, SEEDS_END, TEN_SEEDS_TABLE, findings_block, generated_docs,
    main, readme_block, replace_block, seeds_comparison)
