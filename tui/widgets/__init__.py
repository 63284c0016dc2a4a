"""Widgets of the feedlab app. They take attributes down and post messages up."""
