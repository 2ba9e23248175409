"""Figures: each module draws one figure family from tables only (never torch)."""
