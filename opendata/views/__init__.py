"""Blueprints, one per user-facing concern."""
