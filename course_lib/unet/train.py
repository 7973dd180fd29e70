"""Train a U-Net on streamed tiles for a number of steps or a time budget, with the levers that
help small data.

:func:`train_unet` does, in order:

1. checks every option and sample before anything is built;
2. seeds Python, NumPy and TensorFlow (``keras.utils.set_random_seed``);
3. builds the U-Net (:func:`course_lib.unet.model.build_unet`) and compiles it with Adam and
   the BCE + Dice loss;
4. trains on random, augmented, standardised tiles (:class:`course_lib.unet.dataset.TileDataset`)
   **until its length is reached**: ``steps`` (the same result on every machine) or, without
   ``steps``, the time budget ``time_budget_s`` (as many steps as fit). With both, the steps
   decide and the time budget is a **safety cap**: if it ends training first, the run says so
   (``info["stop_reason"] == "time budget"``, and a printed note) because the result then
   depends on the machine's speed;
5. sets the learning rate at every step: a linear **warm-up** then **cosine decay** (Goyal et
   al. 2017, arXiv 1706.02677; Loshchilov and Hutter 2017, *SGDR*, ICLR) over exactly that
   length: the share of the steps done, or, with a time budget only, the share of the
   training time used (counted from the end of the first step, which builds the graph:
   otherwise a 60 s budget would spend its 5 % warm-up, 3 s, inside that one step);
6. validates ``validations`` times, evenly over the run (and at its end), by predicting
   **every validation pixel** (up to ``max_val_pixels``, two million: beyond that a seeded
   subset of whole samples) as a scene is predicted (blended tiles; ``val_stride``), and
   keeps the weights with the lowest validation loss (BCE + Dice over all those pixels: a
   choice that is not the noise of a few dozen tiles);
7. predicts the validation samples once more with the kept weights **as the model will be
   used** (stride of half a tile and the test-time augmentation ``tta``) and chooses the
   MCC-optimal threshold on them (:func:`course_lib.unet.threshold.choose_threshold`). The
   model remembers that ``tta`` and predicts with it by default.

With a time budget, steps stop early enough for the last validation and the threshold pass to
fit in it too (their time is estimated from the tiles they predict and measured after the
first validation), so ``train_unet(..., time_budget_s=15 * 60)`` returns after about 15
minutes. Interrupting the kernel during training (the stop button) keeps what was learnt: the
run validates, chooses the threshold and returns with ``stop_reason == "interrupted"``.

Building the training step's graph is the slowest step of all: TensorFlow traces some
8,700 operations in Python, 6-15 s on one CPU, which a 10-second budget cannot afford. So
the compiled model of a run is kept (:data:`_COMPILED`, the last two architectures) and a
later run with the same architecture reuses its graph: its weights are set to the new run's
freshly initialised ones and the optimizer's state to zero, which gives the same updates as a
new model (tested). The returned model is always a separate copy, so a later training never
changes an earlier result. :func:`clear_compiled_models` frees them.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any, Sequence

import numpy as np

from course_lib.unet.augment import Augmentation
from course_lib.unet.dataset import Sample, TileDataset, samples_from_chips
from course_lib.unet.normalise import BandStats
from course_lib.unet.predict import check_tta, count_tiles, predict_sample
from course_lib.unet.threshold import METRICS, choose_threshold, scores_by_threshold
from course_lib.unet.trained import TrainedUNet
from course_lib.validation import check_choice, check_integer, check_number, expected_message

#: Former default length (epochs x steps_per_epoch), used when only ``epochs`` is given.
FORMER_STEPS_PER_EPOCH = 25


@dataclass
class TrainConfig:
    """Everything :func:`train_unet` needs besides the data (defaults measured in
    ``bench/unet.md``).

    Attributes:
        tile: tile size (pixels).
        architecture: ``"unet"`` (:func:`~course_lib.unet.model.build_unet`) or
            ``"mobilenet_v2"`` (:func:`~course_lib.unet.model.build_mobilenet_unet`: a
            MobileNetV2 encoder, ``encoder_weights`` ``None``, ``"imagenet"`` or a file path,
            width ``encoder_alpha``, fine-tuned when ``train_encoder``; tiles a multiple of
            32). ``depth``, ``base_filters`` and ``dropout`` apply to ``"unet"`` only.
        depth, base_filters, batch_norm, dropout, bn_momentum: the U-Net (see
            ``build_unet``; a momentum of 0.9 rather than Keras' 0.99 because training on
            one CPU lasts only a few hundred steps, measured in ``bench/unet.md``).
        batch_size: tiles per step.
        positive_fraction: share of training tiles drawn around a landslide pixel
            (foreground oversampling, see :class:`~course_lib.unet.dataset.TileDataset`);
            at a peak rate of 3e-3, 0.5 lifted the study-area MCC from 0.50 to 0.59-0.60 (two
            seeds) in the same 180 CPU-seconds, and from 0.24 to 0.52 in 60 s
            (``bench/unet.md``; with the 1e-2 peak rate the gain is within seed noise).
        steps: training steps (the same result on every machine); None = as many as the
            time budget allows.
        time_budget_s: seconds for the whole call (training, validations, threshold); with
            ``steps`` a safety cap, without it the length of training. One of the two is
            needed.
        validations: how many times the model is validated, evenly over the run (the last
            one at its end); the weights with the lowest validation loss are kept.
        validate_every: validate every this many steps instead (and at the end).
        peak_lr: learning rate after warm-up (1e-2: in one minute on one CPU it gave MCC
            0.55 on the study area's test blocks against 0.24 for 3e-3 and 0.53 for
            3e-2, ``bench/unet.md``).
        warmup: share of training spent warming up (0-1).
        final_lr_fraction: the cosine ends at ``peak_lr`` times this.
        schedule: ``"cosine"`` (warm-up + cosine) or ``"constant"``.
        augmentation: see :class:`~course_lib.unet.augment.Augmentation`.
        val_stride: stride of the validation predictions during training (None = one tile:
            every pixel once, the cheapest full pass).
        max_val_pixels: validate (and choose the threshold) on at most about this many
            pixels: a seeded random subset of whole validation samples when they hold more
            (None = all). Two million pixels pin a threshold and a loss down well, and their
            threshold pass with ``tta="flips"`` takes about half a minute on two cores; ten
            million would take minutes of a 15-minute budget.
        threshold_metric: ``"mcc"`` or ``"f1"``.
        tta: test-time augmentation with which the threshold is chosen and the model
            predicts by default: False, ``"flips"`` or ``"d4"``.
        seed: random seed.
        jit_compile: XLA compilation of the training step (False, True or Keras' ``"auto"``).
            Measured on one quiet CPU (``bench/unet.md``, 180 CPU-seconds): XLA made 3.4
            steps/s against 2.9, but its first step took 13 s against 6 s and the peak
            memory was 1,348 MB against 1,100, so it is off by default to keep notebook 05
            under Binder's memory limit.
        clock: what ``time_budget_s`` counts: ``"wall"`` (the clock on the wall: what a
            trainee waits) or ``"process"`` (CPU seconds used by this process; on a machine
            shared with other jobs and pinned to one core, this is what the same run would take
            on a quiet CPU: used by ``bench/unet.py``).
        reuse_compiled: reuse the compiled training step of an earlier run with the same
            architecture (module docstring); False builds and compiles a new model every
            time. Runs with dropout never reuse (the dropout's random state would carry over).
        verbose: print one line per validation and why training stopped.
        epochs, steps_per_epoch: the former names, still accepted (and kept, so
            ``epochs * steps_per_epoch`` is the length): ``steps_per_epoch`` sets
            ``validate_every``, and ``epochs`` sets ``steps = epochs x steps_per_epoch``.
        max_val_tiles: former option (a cap on the validation tiles of each epoch), accepted
            and ignored: validation now predicts every validation pixel, up to
            ``max_val_pixels``.
    """

    tile: int = 128
    architecture: str = "unet"
    encoder_weights: str | None = None
    encoder_alpha: float = 0.35
    train_encoder: bool = True
    depth: int = 3
    base_filters: int = 8
    batch_norm: bool = True
    dropout: float = 0.0
    bn_momentum: float = 0.9
    batch_size: int = 8
    positive_fraction: float = 0.5
    steps: int | None = None
    time_budget_s: float | None = None
    validations: int = 8
    validate_every: int | None = None
    peak_lr: float = 1e-2
    warmup: float = 0.05
    final_lr_fraction: float = 0.02
    schedule: str = "cosine"
    augmentation: Augmentation = field(default_factory=Augmentation)
    val_stride: int | None = None
    max_val_pixels: int | None = 2_000_000
    threshold_metric: str = "mcc"
    tta: Any = False
    seed: int = 2019
    jit_compile: Any = False
    clock: str = "wall"
    reuse_compiled: bool = True
    verbose: bool = True
    epochs: int | None = None
    steps_per_epoch: int | None = None
    max_val_tiles: int | None = None

    def __post_init__(self) -> None:
        if self.steps_per_epoch is not None:
            self.steps_per_epoch = check_integer(self.steps_per_epoch, "steps_per_epoch",
                                                 minimum=1)
            self.validate_every = self.validate_every or self.steps_per_epoch
        if self.epochs is not None:
            self.epochs = check_integer(self.epochs, "epochs", minimum=1,
                                        fix="Or give the length directly: steps=... .")
            length = self.epochs * (self.steps_per_epoch or FORMER_STEPS_PER_EPOCH)
            if self.steps is not None and self.steps != length:
                raise ValueError(f"steps ({self.steps}) and epochs x steps_per_epoch "
                                 f"({length}) both set the length of training; give steps "
                                 "only.")
            self.steps = length
        self._check()

    def _check(self) -> None:
        """Every option's type and range, with the fix (raised before any model is built)."""
        check_choice(self.architecture, "architecture", ("unet", "mobilenet_v2"))
        check_choice(self.schedule, "schedule", ("cosine", "constant"))
        check_choice(self.clock, "clock", ("wall", "process"))
        check_choice(self.threshold_metric, "threshold_metric", METRICS)
        check_choice(self.jit_compile, "jit_compile", (False, True, "auto"))
        self.tta = check_tta(self.tta)
        for name in ("train_encoder", "batch_norm", "reuse_compiled", "verbose"):
            if not isinstance(getattr(self, name), bool):
                raise TypeError(expected_message(name, "True or False", getattr(self, name)))
        for name, low in (("tile", 16), ("depth", 1), ("base_filters", 1), ("batch_size", 1),
                          ("validations", 1), ("seed", 0)):
            if isinstance(getattr(self, name), bool):
                raise TypeError(expected_message(name, "an int", getattr(self, name)))
            check_integer(getattr(self, name), name, minimum=low)
        for name in ("steps", "validate_every", "val_stride", "max_val_pixels"):
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                      or value < 1):
                raise ValueError(expected_message(name, "a positive int or None", value))
        if self.time_budget_s is not None:
            check_number(self.time_budget_s, "time_budget_s", minimum=0, min_inclusive=False,
                         units="s", fix="Seconds, e.g. time_budget_s=15 * 60, or None with "
                                        "steps=....")
        for name, low, high, hi_incl in (("dropout", 0, 1, False), ("bn_momentum", 0, 1, False),
                                         ("positive_fraction", 0, 1, True),
                                         ("warmup", 0, 1, False),
                                         ("final_lr_fraction", 0, 1, True)):
            check_number(getattr(self, name), name, minimum=low, maximum=high,
                         max_inclusive=hi_incl)
        check_number(self.peak_lr, "peak_lr", minimum=0, min_inclusive=False)
        check_number(self.encoder_alpha, "encoder_alpha", minimum=0, min_inclusive=False)
        if not isinstance(self.augmentation, Augmentation):
            raise TypeError(expected_message(
                "augmentation", "an Augmentation", self.augmentation,
                "Use unet.Augmentation() (flips, rotations, jitter: the default), "
                "unet.Augmentation.none(), or e.g. unet.Augmentation(gain=0.2)."))
        if self.encoder_weights is not None and not isinstance(self.encoder_weights, str):
            raise TypeError(expected_message("encoder_weights", "None, 'imagenet' or a file "
                                             "path", self.encoder_weights))
        if self.architecture == "mobilenet_v2" and self.tile % 32:
            raise ValueError(f"tile ({self.tile}) must be a multiple of 32 for the "
                             "MobileNetV2 encoder (it halves the size five times).")
        if self.tile % (2 ** self.depth):
            raise ValueError(f"tile ({self.tile}) must be a multiple of 2**depth "
                             f"({2 ** self.depth}).")
        if self.val_stride is not None and self.val_stride > self.tile:
            raise ValueError(f"val_stride ({self.val_stride}) larger than tile ({self.tile}) "
                             "would leave pixels out; use val_stride <= tile or None.")


def learning_rate(progress: float, cfg: TrainConfig) -> float:
    """Learning rate at ``progress`` (0-1) of training: warm-up, then cosine decay.

    >>> c = TrainConfig(peak_lr=1.0, warmup=0.1, final_lr_fraction=0.0)
    >>> [round(learning_rate(p, c), 3) for p in (0.0, 0.05, 0.1, 0.55, 1.0)]
    [0.1, 0.5, 1.0, 0.5, 0.0]
    """
    check_number(progress, "progress", fix="A share of training done, 0-1.")
    if not isinstance(cfg, TrainConfig):
        raise TypeError(expected_message("cfg", "a TrainConfig", cfg))
    if cfg.schedule == "constant":
        return cfg.peak_lr
    p = min(max(progress, 0.0), 1.0)
    if cfg.warmup > 0 and p < cfg.warmup:
        return cfg.peak_lr * max(p / cfg.warmup, 0.1)
    q = (p - cfg.warmup) / max(1.0 - cfg.warmup, 1e-9)
    low = cfg.peak_lr * cfg.final_lr_fraction
    return low + 0.5 * (cfg.peak_lr - low) * (1.0 + math.cos(math.pi * q))


#: Compiled training models kept for reuse, by architecture (most recently used last).
_COMPILED: OrderedDict[tuple, Any] = OrderedDict()
_MAX_COMPILED = 2


def clear_compiled_models() -> int:
    """Forget the compiled models kept for reuse (frees their memory); returns how many."""
    n = len(_COMPILED)
    _COMPILED.clear()
    return n


def build_model(n_bands: int, cfg: TrainConfig) -> Any:
    """The uncompiled network ``cfg`` describes, for ``n_bands`` input bands."""
    from course_lib.unet.model import build_mobilenet_unet, build_unet

    if not isinstance(cfg, TrainConfig):
        raise TypeError(expected_message("cfg", "a TrainConfig", cfg))
    if cfg.architecture == "mobilenet_v2":
        return build_mobilenet_unet(n_bands, alpha=cfg.encoder_alpha,
                                    weights=cfg.encoder_weights,
                                    train_encoder=cfg.train_encoder,
                                    bn_momentum=cfg.bn_momentum)
    return build_unet(n_bands, depth=cfg.depth, base_filters=cfg.base_filters,
                      batch_norm=cfg.batch_norm, dropout=cfg.dropout,
                      bn_momentum=cfg.bn_momentum)


def _compiled_model(n_bands: int, cfg: TrainConfig, initial: Any) -> tuple[Any, bool]:
    """A compiled U-Net holding ``initial``'s weights and a fresh optimizer.

    Returns ``(model, reused)``. The model is never ``initial`` itself when it is kept for
    reuse, so the caller can copy the trained weights into ``initial`` as the result.
    """
    import keras

    from course_lib.unet.model import bce_dice_loss

    key = (n_bands, cfg.architecture, cfg.encoder_alpha, cfg.train_encoder, cfg.depth,
           cfg.base_filters, cfg.batch_norm, cfg.dropout, cfg.bn_momentum,
           repr(cfg.jit_compile))
    reusable = cfg.reuse_compiled and cfg.dropout == 0
    model = _COMPILED.get(key) if reusable else None
    reused = model is not None
    if model is None:
        # a model kept for reuse starts from random weights: it gets the run's own below
        model = build_model(n_bands, replace(cfg, encoder_weights=None)) if reusable else initial
        model.compile(optimizer=keras.optimizers.Adam(learning_rate=cfg.peak_lr),
                      loss=bce_dice_loss, jit_compile=cfg.jit_compile)
    if reusable:
        _COMPILED[key] = model
        _COMPILED.move_to_end(key)
        while len(_COMPILED) > _MAX_COMPILED:
            _COMPILED.popitem(last=False)
    if model is not initial:
        model.set_weights(initial.get_weights())
    if reused:
        # Adam's step count and moment estimates back to zero, as in a new optimizer (the
        # learning rate is set at every step by the schedule)
        for variable in model.optimizer.variables:
            if not variable.path.endswith("learning_rate"):
                variable.assign(np.zeros(variable.shape, variable.dtype))
    return model, reused


class Control:
    """The clock, the schedule and the stopping rule of one training run (no Keras inside).

    Args:
        cfg: the configuration (``steps``, ``time_budget_s``, ``validations``, ...).
        val_tiles: tiles one validation pass predicts (for its time estimate).
        final_tiles: tiles the threshold pass predicts (all TTA variants).
    """

    def __init__(self, cfg: TrainConfig, val_tiles: int = 0, final_tiles: int = 0) -> None:
        self.cfg = cfg
        self.now = time.perf_counter if cfg.clock == "wall" else time.process_time
        self.step = 0
        self.step_times: list[float] = []
        self.first_step_end: float | None = None
        self.val_tiles, self.final_tiles = val_tiles, final_tiles
        self.seconds_per_tile: float | None = None   # measured by the first validation
        self.score_seconds = 0.0                     # scoring a validation's pixels
        self.validated_at: list[int] = []
        self.stop_reason = ""
        self.t0 = self.now()

    def start(self) -> None:
        """Start the clock (training begins)."""
        self.t0 = self.now()

    def elapsed(self) -> float:
        """Seconds on the run's clock since :meth:`start`."""
        return self.now() - self.t0

    def _tile_seconds(self) -> float:
        """Seconds to predict one tile: measured, or estimated from the training steps
        (a forward pass is about a third of a training step; half, to be safe)."""
        if self.seconds_per_tile is not None:
            return self.seconds_per_tile
        times = self.step_times[1:]
        step = float(np.median(times[-10:])) if times else 0.0
        return 0.5 * step / self.cfg.batch_size

    def reserve(self) -> float:
        """Seconds to keep free at the end: a last validation and the threshold pass.

        Always both (even just after a validation), so the schedule's progress does not jump
        back and forth around a validation."""
        return (self.val_tiles + self.final_tiles) * self._tile_seconds() \
            + 2 * self.score_seconds

    def progress(self) -> float:
        """Share of training done (0-1): of the steps, or of the training time."""
        cfg = self.cfg
        if cfg.steps is not None:
            return self.step / cfg.steps
        if cfg.time_budget_s is None or self.first_step_end is None:
            return 0.0
        start = self.first_step_end
        end = cfg.time_budget_s - self.reserve()
        return (self.elapsed() - start) / max(end - start, 1e-9)

    def learning_rate(self) -> float:
        """The rate of the next step."""
        return learning_rate(self.progress(), self.cfg)

    def step_done(self, seconds: float) -> None:
        """Record a step of ``seconds``."""
        self.step += 1
        self.step_times.append(seconds)
        if self.first_step_end is None:
            self.first_step_end = self.elapsed()

    def validation_due(self) -> bool:
        """Validate now? (evenly over the run, or every ``validate_every`` steps)."""
        cfg = self.cfg
        if cfg.validate_every:
            return self.step % cfg.validate_every == 0
        k = len(self.validated_at) + 1                    # the next validation's number
        if cfg.steps is not None:
            return self.step >= math.ceil(k * cfg.steps / cfg.validations)
        return self.progress() >= k / cfg.validations

    def validation_done(self, seconds: float, score_seconds: float = 0.0) -> None:
        """Record a validation: ``seconds`` predicting (measures the time per tile) and
        ``score_seconds`` scoring the pixels."""
        self.validated_at.append(self.step)
        self.score_seconds = score_seconds
        if self.val_tiles:
            self.seconds_per_tile = seconds / self.val_tiles

    def should_stop(self) -> bool:
        """Stop before the next step? Sets :attr:`stop_reason`."""
        cfg = self.cfg
        if cfg.steps is not None and self.step >= cfg.steps:
            self.stop_reason = "steps"
            return True
        if cfg.time_budget_s is not None and self.step >= 1:
            times = self.step_times[1:]   # the first step builds the graph: not a guide
            next_step = float(np.median(times[-10:])) if times else 0.0
            if self.elapsed() + next_step + self.reserve() > cfg.time_budget_s:
                self.stop_reason = "time budget"
                return True
        return False


def _loss_and_score(probs: list[np.ndarray], labels: list[np.ndarray],
                    metric: str) -> tuple[float, float, np.ndarray, np.ndarray]:
    """BCE + Dice over all validation pixels (as :func:`~course_lib.unet.model.bce_dice_loss`,
    in numpy), the best score over thresholds, and the pooled probabilities and labels."""
    p = np.concatenate([x.ravel() for x in probs])
    t = np.concatenate([y.ravel() for y in labels])
    ok = np.isfinite(p) & (t >= 0)
    p, t = p[ok].astype(np.float64), t[ok].astype(np.float64)
    if p.size == 0:
        return float("nan"), float("nan"), p, t
    q = np.clip(p, 1e-6, 1 - 1e-6)
    bce = float(-np.mean(t * np.log(q) + (1 - t) * np.log(1 - q)))
    dice = 1.0 - (2.0 * float(np.dot(t, p)) + 1.0) / (float(t.sum()) + float(p.sum()) + 1.0)
    grid = np.round(np.arange(0.02, 0.985, 0.01), 2)
    scores = scores_by_threshold(p, t, grid, metric)
    best = float(np.nanmax(scores)) if np.isfinite(scores).any() else float("nan")
    return bce + dice, best, p, t


def _as_samples(items: Any, stats: BandStats, tile: int, name: str) -> list[Sample]:
    """Samples as they are; chips (anything with ``image`` and ``mask``) made into samples."""
    if isinstance(items, (Sample, str, bytes)) or not isinstance(items, (list, tuple)):
        raise TypeError(expected_message(name, "a list of samples or chips", items,
                                         f"E.g. {name}=parts['{name}'] (chips) or "
                                         f"[unet.make_sample(...)]."))
    if not items:
        raise ValueError(f"{name} is empty: pass at least one {name} sample or chip"
                         + (" (the best weights and the threshold are chosen on it)."
                            if name == "val" else "."))
    if all(isinstance(s, Sample) for s in items):
        return list(items)
    if all(hasattr(s, "image") and hasattr(s, "mask") for s in items):
        return samples_from_chips(items, stats, tile=tile)
    kinds = sorted({type(s).__name__ for s in items})
    raise TypeError(expected_message(name, "a list of Sample or Chip objects", items,
                                     f"It holds {kinds}."))


def _scored_pixels(sample: Sample) -> int:
    """Pixels of a sample that validation scores (labelled, inside its region)."""
    rows, cols = sample.shape
    ok = sample.label[:rows, :cols] >= 0
    if sample.region is not None:
        ok &= sample.region[:rows, :cols]
    return int(np.count_nonzero(ok))


def validation_subset(val: Sequence[Sample], max_pixels: int | None,
                      seed: int) -> list[Sample]:
    """Whole validation samples in a seeded random order until about ``max_pixels`` are
    reached (at least one sample); all of them when ``max_pixels`` is None or not reached."""
    if not isinstance(val, (list, tuple)) or not all(isinstance(s, Sample) for s in val):
        raise TypeError(expected_message("val", "a list of Sample objects", val))
    if max_pixels is None:
        return list(val)
    sizes = [_scored_pixels(s) for s in val]
    if sum(sizes) <= max_pixels:
        return list(val)
    chosen, total = [], 0
    for i in np.random.default_rng([seed, 17]).permutation(len(val)):
        if chosen and total + sizes[i] > max_pixels:
            continue
        chosen.append(int(i))
        total += sizes[i]
    return [val[i] for i in sorted(chosen)]


def _config(config: Any, changes: dict[str, Any]) -> TrainConfig:
    if config is not None and not isinstance(config, TrainConfig):
        raise TypeError(expected_message(
            "config", "a TrainConfig or None", config,
            "Pass options as keywords, e.g. train_unet(train, val, stats, steps=500), or "
            "config=unet.TrainConfig(steps=500)" + (
                "; a dict d works as train_unet(train, val, stats, **d)."
                if isinstance(config, dict) else ".")))
    cfg = config or TrainConfig()
    if not changes:
        return cfg
    allowed = {f.name for f in fields(TrainConfig)} | {"epochs", "steps_per_epoch"}
    unknown = sorted(set(changes) - allowed)
    if unknown:
        raise TypeError(f"unknown training options {unknown}; TrainConfig has "
                        f"{sorted(allowed)}.")
    base = {f.name: getattr(cfg, f.name) for f in fields(TrainConfig)}
    if "steps" in changes:                     # the new length replaces the former names'
        base["epochs"] = None
    elif "epochs" in changes or "steps_per_epoch" in changes:
        base["steps"] = None                   # epochs x steps_per_epoch give the length
    if "validate_every" in changes:
        base["steps_per_epoch"] = None
    elif "steps_per_epoch" in changes:
        base["validate_every"] = None
    return TrainConfig(**{**base, **changes})


def _stop_note(control: Control, cfg: TrainConfig) -> str:
    if control.stop_reason == "steps":
        return f"reached its {cfg.steps:,} steps"
    if control.stop_reason == "interrupted":
        return f"interrupted after {control.step:,} steps; the weights learnt so far are kept"
    if cfg.steps is not None:
        return (f"the time budget of {cfg.time_budget_s:g} s (a safety cap) ended training "
                f"after {control.step:,} of {cfg.steps:,} steps: the learning-rate schedule "
                "was cut short, so the result depends on this machine's speed. Give more "
                "time, or fewer steps")
    return f"used its time budget of {cfg.time_budget_s:g} s: {control.step:,} steps"


def train_unet(train: Sequence[Any], val: Sequence[Any], stats: BandStats,
               config: TrainConfig | None = None, **changes: Any) -> TrainedUNet:
    """Train a U-Net and choose its threshold on the validation samples.

    Args:
        train: training samples (:func:`course_lib.unet.dataset.make_sample`), e.g. the scene
            with ``region=split.region("train")``, or a list of chips
            (:func:`course_lib.data.chips.load_chip_folder`; made into samples with ``stats``).
        val: validation samples or chips (the kept weights and the threshold are chosen on
            them).
        stats: the normalisation (:func:`course_lib.unet.normalise.fit_band_stats`; stored
            with the model).
        config: a :class:`TrainConfig`; keyword arguments override its fields, e.g.
            ``train_unet(tr, va, stats, steps=400)`` or ``time_budget_s=15 * 60``.

    Returns:
        a :class:`~course_lib.unet.trained.TrainedUNet` with ``history`` (per validation:
        ``loss``, ``val_loss``, ``val_score``, ``lr``, ``seconds``, ``steps``; per step:
        ``step_lr``) and ``info`` (``steps``, ``stop_reason`` (``"steps"``, ``"time
        budget"`` or ``"interrupted"``) and ``stop_note``, ``best_step``, ``val_score`` at
        the threshold, ``steps_per_second``, ``n_params``, the config...).

    Raises:
        TypeError, ValueError: a bad option or sample, before anything is built.
    """
    cfg = _config(config, changes)
    if not isinstance(stats, BandStats):
        raise TypeError(expected_message("stats", "a BandStats", stats,
                                         "Make it with unet.fit_band_stats(images, band_names)."))
    if cfg.steps is None and cfg.time_budget_s is None:
        raise ValueError("train_unet needs a length: steps=... (the same result on every "
                         "machine) or time_budget_s=... (seconds; as many steps as fit), "
                         "or both (the steps, with the time as a safety cap).")
    train = _as_samples(train, stats, cfg.tile, "train")
    val = _as_samples(val, stats, cfg.tile, "val")
    n_bands = len(stats.band_names)
    for s in [*train, *val]:
        if s.image.shape[-1] != n_bands:
            raise ValueError(f"sample {s.name!r} has {s.image.shape[-1]} bands, stats "
                             f"{n_bands} ({stats.band_names}).")
    n_val = len(val)
    val = validation_subset(val, cfg.max_val_pixels, cfg.seed)
    if cfg.verbose and len(val) < n_val:
        print(f"validating on {len(val)} of the {n_val} validation samples, "
              f"{sum(_scored_pixels(s) for s in val):,} pixels (max_val_pixels)", flush=True)
    import keras

    keras.utils.set_random_seed(cfg.seed)
    result_model = build_model(n_bands, cfg)
    model, reused = _compiled_model(n_bands, cfg, result_model)
    train_data = TileDataset(train, batch_size=cfg.batch_size, steps=1, tile=cfg.tile,
                             augmentation=cfg.augmentation, seed=cfg.seed,
                             positive_fraction=cfg.positive_fraction)
    val_stride = cfg.val_stride or cfg.tile
    variants = {False: 1, "flips": 4, "d4": 8}[cfg.tta]
    val_tiles = sum(count_tiles(s.shape, s.region, cfg.tile, val_stride) for s in val)
    final_tiles = variants * sum(count_tiles(s.shape, s.region, cfg.tile, cfg.tile // 2)
                                 for s in val)
    control = Control(cfg, val_tiles, final_tiles)
    history: dict[str, list[float]] = {"loss": [], "val_loss": [], "val_score": [], "lr": [],
                                       "seconds": [], "steps": [], "step_lr": []}
    best = {"loss": math.inf, "weights": None, "step": 0, "index": 0}
    losses: list[float] = []
    val_seconds: list[float] = []
    labels = [s.label[:s.shape[0], :s.shape[1]] for s in val]     # without the padding

    def validate() -> None:
        t = control.now()
        probs = [predict_sample(model, s, tile=cfg.tile, stride=val_stride) for s in val]
        t_score = control.now()
        loss, score, _, _ = _loss_and_score(probs, labels, cfg.threshold_metric)
        control.validation_done(t_score - t, control.now() - t_score)
        val_seconds.append(control.now() - t)
        train_loss = float(np.mean(losses)) if losses else float("nan")
        losses.clear()
        lr = history["step_lr"][-1] if history["step_lr"] else float("nan")
        for key, value in (("loss", train_loss), ("val_loss", loss), ("val_score", score),
                           ("lr", lr), ("seconds", round(control.elapsed(), 2)),
                           ("steps", control.step)):
            history[key].append(value)
        marker = ""
        if np.isfinite(loss) and loss < best["loss"]:
            best.update(loss=loss, weights=model.get_weights(), step=control.step,
                        index=len(history["val_loss"]))
            marker = "  * best so far"
        if cfg.verbose:
            total = f"/{cfg.steps:,}" if cfg.steps else ""
            print(f"step {control.step:6,d}{total}  loss {train_loss:.3f}  val_loss {loss:.3f}  "
                  f"val {cfg.threshold_metric.upper()} {score:.3f}  lr {lr:.1e}  "
                  f"{control.elapsed():6.1f} s{marker}", flush=True)

    t_fit = time.perf_counter()
    control.start()
    try:
        while not control.should_stop():
            rate = control.learning_rate()
            model.optimizer.learning_rate = rate
            history["step_lr"].append(rate)
            t = control.now()
            x, y = train_data[control.step]
            losses.append(float(model.train_on_batch(x, y)))
            control.step_done(control.now() - t)
            if control.validation_due():
                validate()
    except KeyboardInterrupt:
        control.stop_reason = "interrupted"
        print(f"\ninterrupted at step {control.step}: validating and choosing the threshold "
              "with the weights learnt so far (interrupt again to abandon them)", flush=True)
    if control.step and (not control.validated_at or control.validated_at[-1] != control.step):
        validate()
    train_seconds = float(sum(control.step_times))
    if best["weights"] is not None:
        model.set_weights(best["weights"])
    if model is not result_model:
        result_model.set_weights(model.get_weights())
    # The threshold, on the validation samples predicted as the model will be used.
    t = control.now()
    probs = [predict_sample(model, s, tile=cfg.tile, stride=cfg.tile // 2, tta=cfg.tta)
             for s in val]
    _, _, p, truth = _loss_and_score(probs, labels, cfg.threshold_metric)
    choice = choose_threshold(p, truth, metric=cfg.threshold_metric)
    threshold_seconds = control.now() - t
    fit_seconds = time.perf_counter() - t_fit
    note = _stop_note(control, cfg)
    if cfg.verbose:
        print(f"stopped: {note}. Kept the weights of step {best['step']:,} (lowest validation "
              f"loss); threshold {choice.threshold:.2f} chosen on {p.size:,} validation pixels "
              f"with tta={cfg.tta!r} (validation {cfg.threshold_metric.upper()} "
              f"{choice.score:.3f}).", flush=True)
    trained = TrainedUNet(model=result_model, stats=stats, tile=cfg.tile, history=history,
                          threshold=choice.threshold, tta=cfg.tta)
    cfg_dict = asdict(cfg)
    steps_after_first = control.step_times[1:]
    trained.info = {
        "steps": control.step, "planned_steps": cfg.steps, "fit_seconds": round(fit_seconds, 2),
        "clock": cfg.clock, "budget_seconds_used": round(control.elapsed(), 2),
        "train_seconds": round(train_seconds, 2),
        # steps per second after the first step (which includes building the graph)
        "steps_per_second": round(len(steps_after_first) / max(sum(steps_after_first), 1e-9), 3)
        if steps_after_first else float("nan"),
        "first_step_seconds": round(control.step_times[0], 2) if control.step_times else None,
        "max_step_seconds": round(max(steps_after_first or control.step_times or [0]), 3),
        "validations": len(val_seconds),
        "val_seconds": round(float(np.mean(val_seconds)), 2) if val_seconds else 0.0,
        "threshold_seconds": round(threshold_seconds, 2),
        "stop_reason": control.stop_reason, "stop_note": note,
        "best_step": best["step"], "best_epoch": best["index"],
        "best_val_loss": best["loss"], "val_score": choice.score,
        "threshold_metric": choice.metric, "tta": cfg.tta, "val_pixels": int(p.size),
        "val_samples": len(val), "val_samples_given": n_val,
        "n_params": int(model.count_params()), "reused_compiled_model": reused,
        "config": cfg_dict,
    }
    return trained


def trained_predict_sample(trained: TrainedUNet, sample: Sample, tta: Any = None,
                           stride: int | None = None) -> np.ndarray:
    """Blended probabilities of a sample's region (the whole sample when it has none).

    See :func:`course_lib.unet.predict.predict_sample`; ``tta=None`` uses the model's own
    (the one its threshold was chosen with).
    """
    if not isinstance(trained, TrainedUNet):
        raise TypeError(expected_message("trained", "a TrainedUNet", trained,
                                         "Train one with unet.train_unet(...)."))
    if not isinstance(sample, Sample):
        raise TypeError(expected_message("sample", "a Sample", sample,
                                         "Make one with unet.make_sample(image, mask, stats)."))
    return predict_sample(trained.model, sample, tile=trained.tile, stride=stride,
                          tta=trained.tta if tta is None else tta)


__all__ = ["TrainConfig", "Control", "learning_rate", "train_unet", "trained_predict_sample",
           "clear_compiled_models", "build_model", "validation_subset"]
