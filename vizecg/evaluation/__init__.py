"""Scoring a model on shard rows and the metrics (F1, AUROC, AUPRC with bootstrap CIs) and reports made of them."""
