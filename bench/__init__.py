"""Parley load generator and benchmark scenarios (`python -m bench`)."""
