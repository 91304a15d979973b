"""Robustness studies: accuracy of a checkpoint vs print quality (preset x severity), reports and plots."""
