"""Explanations: Grad-CAM heatmaps of the image stream, per-lead attribution and overlays."""
