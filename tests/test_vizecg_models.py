"""VizECGNet modules: shapes, gradients, configs, the image-only inference path, and overfitting one batch."""

import json
from dataclasses import replace

import pytest
import torch

from ecgprint.labels import LABELS
from vizecg.models import (
    IMAGE_ENCODERS,
    SIGNAL_ENCODERS,
    CrossModalAttention,
    ImageEncoder,
    SelfModalAttention,
    SignalEncoder,
    SignalEncoderConfig,
    VizECGNet,
    VizECGNetConfig,
    sincos_positions,
)
from vizecg.training.losses import LossConfig, vizecg_loss

SIGNAL_LEN = 1024            # 4 tokens with the tiny signal encoder (stride 256)
IMAGE_HW = (88, 68)          # a 3x3 token grid with the tiny image encoder (stride 32)


@pytest.fixture(autouse=True)
def one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    torch.manual_seed(0)
    yield
    torch.set_num_threads(threads)


def batch(n=4):
    signal, image = torch.randn(n, 12, SIGNAL_LEN), torch.randn(n, 3, *IMAGE_HW)
    targets = (torch.rand(n, len(LABELS)) < 0.5).float()
    return signal, image, targets


def assert_all_grads(module, exclude=()):
    """Every parameter has a finite, non-zero gradient."""
    for name, param in module.named_parameters():
        if name.startswith(exclude):
            continue
        assert param.grad is not None, f"{name} got no gradient"
        assert torch.isfinite(param.grad).all(), f"{name} has a non-finite gradient"
        assert param.grad.abs().sum() > 0, f"{name} has an all-zero gradient"


def test_signal_encoder_shapes_and_gradients():
    encoder = SignalEncoder(SIGNAL_ENCODERS["tiny"])
    signal = torch.randn(2, 12, SIGNAL_LEN, requires_grad=True)
    out = encoder(signal)
    assert out.tokens.shape == (2, 4, 32) and out.pooled.shape == (2, 32) and out.grid == (4,)
    (out.tokens * torch.randn_like(out.tokens)).sum().backward()
    assert_all_grads(encoder)
    assert signal.grad.abs().sum() > 0
    with pytest.raises(ValueError, match="multiple of 256"):
        encoder(torch.randn(2, 12, 1000))


def test_paper_signal_encoder_is_ribeiro_sized():
    """Ribeiro et al.: 4096 samples -> 16 tokens of 320 channels through 64, 128, 196, 256, 320 filters."""
    config = SIGNAL_ENCODERS["paper"]
    assert (config.stem_width, config.widths, config.downsample, config.kernel_size) == \
        (64, (128, 196, 256, 320), (4, 4, 4, 4), 16)
    assert config.stride == 256 and 4096 // config.stride == 16
    with pytest.raises(ValueError):
        SignalEncoderConfig(widths=(8, 8), downsample=(4,))


def test_image_encoder_shapes_for_non_square_pages():
    encoder = ImageEncoder(IMAGE_ENCODERS["tiny"])
    for (h, w), grid in [((352, 272), (11, 9)), ((100, 75), (4, 3)), (IMAGE_HW, (3, 3))]:
        out = encoder(torch.randn(1, 3, h, w))
        assert out.grid == grid and out.tokens.shape == (1, grid[0] * grid[1], 32) and out.pooled.shape == (1, 32)
    image = torch.randn(2, 3, *IMAGE_HW, requires_grad=True)
    out = encoder(image)
    (out.tokens * torch.randn_like(out.tokens)).sum().backward()
    assert_all_grads(encoder)
    with pytest.raises(ValueError):
        encoder(torch.randn(1, 1, 64, 64))


def test_a_patched_encoder_reads_a_larger_page_on_the_same_token_grid():
    base = IMAGE_ENCODERS["tiny"]
    plain, patched = ImageEncoder(base), ImageEncoder(replace(base, patch=3))
    assert patched.config.stride == 3 * plain.config.stride
    assert patched(torch.randn(1, 3, 3 * 96, 3 * 128)).grid == plain(torch.randn(1, 3, 96, 128)).grid
    assert patched.state_dict().keys() == plain.state_dict().keys()             # patch-1 checkpoints still load
    assert patched.stem[0].weight.shape[1] == 3 * 9                              # every pixel of a 3x3 block
    image = torch.zeros(1, 3, 3 * 32, 3 * 32)
    moved = image.clone()
    moved[0, 0, 1, 2] = 1.0                                                      # one pixel inside the first block
    patched.eval()
    assert not torch.equal(patched(image).tokens, patched(moved).tokens)


def test_attention_shapes_and_gradients():
    cmam, smam = CrossModalAttention(16, 2, 0.1), SelfModalAttention(16, 2, 0.1)
    queries, context = torch.randn(2, 5, 16, requires_grad=True), torch.randn(2, 7, 16, requires_grad=True)
    mixed = cmam(queries, context)
    refined = smam(mixed)
    assert mixed.shape == refined.shape == (2, 5, 16)
    (refined * torch.randn_like(refined)).sum().backward()
    assert_all_grads(cmam)
    assert_all_grads(smam)
    assert queries.grad.abs().sum() > 0 and context.grad.abs().sum() > 0


def test_cmam_with_one_context_token_adds_its_value_to_every_query():
    """The paper's image <- pooled-signal direction: softmax over one key is 1 (documented in docs/model.md)."""
    cmam = CrossModalAttention(16, 2, 0.0).eval()
    queries, token = torch.randn(2, 5, 16), torch.randn(2, 1, 16)
    attn = cmam.attn
    value = token @ attn.in_proj_weight[32:].T + attn.in_proj_bias[32:]
    expected = cmam.norm(queries + attn.out_proj(value))
    assert torch.allclose(cmam(queries, token), expected, atol=1e-6)


def test_positions_are_distinct_per_token():
    pos = sincos_positions((3, 4), 16)
    assert pos.shape == (12, 16) and torch.unique(pos, dim=0).shape[0] == 12
    assert sincos_positions((5,), 8).shape == (5, 8)
    with pytest.raises(ValueError):
        sincos_positions((3, 4), 6)


ABLATIONS = {
    "full": {},
    "no_cmam": {"cmam": False},
    "no_smam": {"smam": False},
    "signal_only": {"streams": "signal", "cmam": False},
    "image_only": {"streams": "image", "cmam": False},
}


@pytest.mark.parametrize("ablation", ABLATIONS)
def test_model_shapes_and_gradients(ablation):
    model = VizECGNet.named("tiny", **ABLATIONS[ablation])
    signal, image, targets = batch()
    logits = model(signal, image)
    streams = model.config.streams
    for stream, z in logits._asdict().items():
        assert (z is not None) == (streams in ("both", stream))
        assert z is None or z.shape == (4, len(LABELS))
    vizecg_loss(logits, targets, LossConfig()).total.backward()
    assert_all_grads(model)


def test_image_only_inference_equals_the_image_head_in_eval_mode():
    model = VizECGNet.named("tiny").eval()
    signal, image, _ = batch()
    with torch.no_grad():
        from_forward = torch.sigmoid(model(signal, image).image)
        alone = model.predict_image(image)
        other_signal = torch.sigmoid(model(torch.randn_like(signal), image).image)
    assert torch.equal(from_forward, alone) and torch.equal(from_forward, other_signal)
    assert alone.shape == (4, len(LABELS)) and ((alone > 0) & (alone < 1)).all()
    assert torch.equal(torch.sigmoid(model(signal, image).image), model.predict_image(image))   # grad mode too


@pytest.mark.parametrize("modality_dropout, reads_signal", [(1.0, False), (1e-6, True)])
def test_modality_dropout_decides_whether_the_training_image_stream_reads_the_signal(modality_dropout, reads_signal):
    model = VizECGNet.named("tiny", modality_dropout=modality_dropout, attention_dropout=0.0, head_dropout=0.0)
    signal, image, _ = batch()
    a, b = model(signal, image).image, model(torch.randn_like(signal), image).image   # BN in train mode: same batch
    assert torch.equal(a, b) != reads_signal


@pytest.mark.parametrize("detach", [False, True])
def test_detached_signal_context_keeps_image_losses_out_of_the_signal_encoder(detach):
    model = VizECGNet.named("tiny", modality_dropout=1e-6, detach_signal_context=detach)
    signal, image, targets = batch()
    logits = model(signal, image)
    torch.nn.functional.binary_cross_entropy_with_logits(logits.image, targets).backward()
    grads = [p.grad for p in model.signal_encoder.parameters()]
    reached = any(g is not None and g.abs().sum() > 0 for g in grads)
    assert reached != detach
    assert model.image_encoder.stem[0].weight.grad.abs().sum() > 0


def test_image_only_baseline_predicts_and_signal_only_refuses():
    signal, image, _ = batch()
    assert VizECGNet.named("tiny", streams="image", cmam=False).eval().predict_image(image).shape == (4, 6)
    model = VizECGNet.named("tiny", streams="signal", cmam=False)
    with pytest.raises(ValueError, match="no image stream"):
        model.predict_image(image)
    with pytest.raises(ValueError, match="needs a signal"):
        model(None, image)


@pytest.mark.parametrize("overrides", [
    {"streams": "signal"}, {"streams": "both+"}, {"dim": 30, "heads": 4}, {"modality_dropout": 0.0},
    {"head_dropout": 1.0}, {"dim": 6, "heads": 2},
])
def test_invalid_configs_are_rejected(overrides):
    with pytest.raises(ValueError):
        VizECGNetConfig.named("tiny", **overrides)


def test_named_configs_and_dict_round_trip():
    with pytest.raises(ValueError, match="unknown config"):
        VizECGNetConfig.named("huge")
    for name in ("tiny", "small", "paper"):
        config = VizECGNetConfig.named(name)
        assert VizECGNetConfig.from_dict(json.loads(json.dumps(config.to_dict()))) == config
    assert VizECGNetConfig.named("small", cmam=False).cmam is False


def test_tiny_model_overfits_one_batch():
    model = VizECGNet.named("tiny")
    signal, image, targets = batch(16)
    optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
    losses = []
    for _ in range(60):
        terms = vizecg_loss(model(signal, image), targets, LossConfig())
        optimizer.zero_grad()
        terms.total.backward()
        optimizer.step()
        losses.append(terms.total.item())
    assert losses[-1] < 0.25 * losses[0]
    model.eval()
    with torch.no_grad():
        assert ((model.predict_image(image) > 0.5) == targets.bool()).float().mean() > 0.9
