"""Digitization (image -> signal): the Challenge 2024 score and a classical baseline digitizer."""
