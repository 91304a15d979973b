"""VizECGNet loss: BCE per stream, the Bernoulli KD term, the stop-gradient on the teacher, the components."""

import pytest
import torch
import torch.nn.functional as F

from vizecg.models import StreamLogits
from vizecg.training.losses import LossConfig, bernoulli_kd, vizecg_loss


def logits_pair(seed=0):
    g = torch.Generator().manual_seed(seed)
    return torch.randn(8, 6, generator=g), torch.randn(8, 6, generator=g)


@pytest.mark.parametrize("temperature", [0.5, 1.0, 4.0])
def test_kd_is_zero_when_streams_agree_and_positive_otherwise(temperature):
    student, teacher = logits_pair()
    assert bernoulli_kd(teacher.clone(), teacher, temperature).item() == pytest.approx(0.0, abs=1e-7)
    assert bernoulli_kd(student, teacher, temperature).item() > 0


def test_kd_is_t_squared_times_bernoulli_kl():
    student, teacher = logits_pair()
    t = 3.0
    p, q = torch.sigmoid(teacher / t), torch.sigmoid(student / t)
    kl = p * torch.log(p / q) + (1 - p) * torch.log((1 - p) / (1 - q))
    assert bernoulli_kd(student, teacher, t).item() == pytest.approx(t * t * kl.mean().item(), rel=1e-5)


def test_kd_is_finite_for_saturated_logits():
    student, teacher = torch.tensor([[-60.0, 60.0]]), torch.tensor([[60.0, -60.0]])
    kd = bernoulli_kd(student, teacher, 1.0)
    assert torch.isfinite(kd) and kd.item() > 50


def test_teacher_gets_no_gradient_from_kd_by_default():
    student, teacher = (z.requires_grad_() for z in logits_pair())
    targets = torch.zeros(8, 6)
    kd_only = LossConfig(kd_weight=1.0)
    terms = vizecg_loss(StreamLogits(teacher, student), targets, kd_only)
    terms.kd.backward()
    assert teacher.grad is None and student.grad.abs().sum() > 0

    student.grad = None
    terms = vizecg_loss(StreamLogits(teacher, student), targets, LossConfig(detach_teacher=False))
    terms.kd.backward()
    assert teacher.grad.abs().sum() > 0


def test_total_is_bce_per_stream_plus_weighted_kd():
    signal, image = logits_pair(1)
    targets = (torch.rand(8, 6) < 0.5).float()
    terms = vizecg_loss(StreamLogits(signal, image), targets, LossConfig(kd_weight=0.7, temperature=2.0))
    bce_s = F.binary_cross_entropy_with_logits(signal, targets)
    bce_i = F.binary_cross_entropy_with_logits(image, targets)
    assert terms.bce_signal.item() == pytest.approx(bce_s.item())
    assert terms.bce_image.item() == pytest.approx(bce_i.item())
    assert terms.total.item() == pytest.approx((bce_s + bce_i + 0.7 * bernoulli_kd(image, signal, 2.0)).item())
    assert set(terms.as_floats()) == {"total", "bce_signal", "bce_image", "kd"}


def test_no_kd_ablation_logs_kd_but_does_not_train_on_it():
    signal, image = logits_pair(2)
    targets = torch.ones(8, 6)
    terms = vizecg_loss(StreamLogits(signal, image), targets, LossConfig(kd_weight=0.0))
    assert terms.kd.item() > 0
    assert terms.total.item() == pytest.approx((terms.bce_signal + terms.bce_image).item())


def test_single_stream_has_no_kd():
    _, image = logits_pair(3)
    terms = vizecg_loss(StreamLogits(None, image), torch.zeros(8, 6), LossConfig())
    assert terms.kd is None and terms.bce_signal is None
    assert terms.as_floats() == {"total": pytest.approx(terms.bce_image.item()),
                                 "bce_image": pytest.approx(terms.bce_image.item())}


@pytest.mark.parametrize("kwargs", [{"kd_weight": -1.0}, {"temperature": 0.0}, {"kd_weight": float("nan")}])
def test_invalid_loss_config_is_rejected(kwargs):
    with pytest.raises(ValueError):
        LossConfig(**kwargs)
