"""Training VizECGNet: run config, trainer, losses, checkpoints, runtime (device, DDP), run log, ablations."""
