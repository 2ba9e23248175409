"""lowcap: reproduce Kumar (2025), low-capacity networks on MNIST pairs.

The science lives here; the Snakemake workflow (workflow/) only calls lowcap.jobs. Nothing in
this package imports snakemake.
"""
