"""VizECGNet training loss: multi-label BCE per stream + λ·KD from the signal stream (teacher) to the image stream."""

from __future__ import annotations

from typing import NamedTuple

import torch
import torch.nn.functional as F

from vizecg.models.vizecgnet import StreamLogits
from vizecg.training.config import LossConfig


class LossTerms(NamedTuple):
    """The total to back-propagate and its components; a component is None when its stream is absent."""

    total: torch.Tensor
    bce_signal: torch.Tensor | None
    bce_image: torch.Tensor | None
    kd: torch.Tensor | None

    def as_floats(self) -> dict[str, float]:
        """Components as plain floats for logging (absent ones omitted)."""
        return {name: float(value.detach()) for name, value in self._asdict().items() if value is not None}


def bernoulli_kd(student_logits: torch.Tensor, teacher_logits: torch.Tensor, temperature: float) -> torch.Tensor:
    """T² · mean over batch and labels of KL(teacher ‖ student) between per-label Bernoulli(σ(z/T)) distributions.

    Hinton et al. 2015 scale by T² so the gradient size does not depend on T. Zero iff the logits agree.
    """
    s, t = student_logits / temperature, teacher_logits / temperature
    log_ps, log_qs = F.logsigmoid(s), F.logsigmoid(-s)
    log_pt, log_qt = F.logsigmoid(t), F.logsigmoid(-t)
    kl = log_pt.exp() * (log_pt - log_ps) + log_qt.exp() * (log_qt - log_qs)
    return temperature ** 2 * kl.mean()


def vizecg_loss(logits: StreamLogits, targets: torch.Tensor, config: LossConfig) -> LossTerms:
    """BCE-with-logits for each present stream + kd_weight · KD(image ← signal) when both streams are present.

    The KD term is computed (and logged) even with kd_weight 0; it then adds nothing to the total.
    """
    targets = targets.float()
    bce = [None if z is None else F.binary_cross_entropy_with_logits(z, targets) for z in logits]
    total = sum(b for b in bce if b is not None)
    kd = None
    if logits.signal is not None and logits.image is not None:
        teacher = logits.signal.detach() if config.detach_teacher else logits.signal
        kd = bernoulli_kd(logits.image, teacher, config.temperature)
        if config.kd_weight:
            total = total + config.kd_weight * kd
    return LossTerms(total, bce[0], bce[1], kd)
