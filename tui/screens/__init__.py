"""Screens of the feedlab app."""
