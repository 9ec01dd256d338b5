"""Sozak district social-assistance bot."""
