"""Train a U-Net on streamed tiles within a time budget, with the levers that help small data.

:func:`train_unet` does, in order:

1. seeds Python, NumPy and TensorFlow (``keras.utils.set_random_seed``);
2. builds the U-Net (:func:`course_lib.unet.model.build_unet`) and compiles it with Adam and
   the BCE + Dice loss;
3. streams random, augmented training tiles (:class:`course_lib.unet.dataset.TileDataset`) and
   fixed validation tiles;
4. sets the learning rate at every step: a linear **warm-up** then **cosine decay** (Goyal et
   al. 2017, arXiv 1706.02677; Loshchilov and Hutter 2017, *SGDR*, ICLR) over the *progress*
   of training, the larger of the share of steps done and the share of the time budget used,
   so the schedule ends on time whichever limit comes first (the time counts from the end of
   the first step, which builds the graph: otherwise a 60 s budget would spend its 5 %
   warm-up, 3 s, inside that one step and train at the peak rate from the second);
5. stops at ``epochs`` or before the next step would overrun ``time_budget_s`` (with the
   validation pass estimated from the previous one);
6. keeps the weights of the epoch with the lowest validation loss;
7. predicts the validation images (blended tiles) and chooses the MCC-optimal threshold
   (:func:`course_lib.unet.threshold.choose_threshold`).

Building the training step's graph is the slowest step of all: TensorFlow traces some
8,700 operations in Python, 6-15 s on one CPU, which a 10-second budget cannot afford. So
the compiled model of a run is kept (:data:`_COMPILED`, the last two architectures) and a
later run with the same architecture reuses its graph: its weights are set to the new run's
freshly initialised ones and the optimizer's state to zero, which gives the same updates as a
new model (tested). The returned model is always a separate copy, so a later training never
changes an earlier result. :func:`clear_compiled_models` frees them.

Exact repeatability needs a fixed number of steps: with a time budget the number of steps
depends on the machine's speed, so two runs on a busy machine may stop at different steps.
"""

from __future__ import annotations

import math
import time
from collections import OrderedDict
from dataclasses import asdict, dataclass, field, replace
from typing import Any, Sequence

import numpy as np

from course_lib.unet.augment import Augmentation
from course_lib.unet.dataset import IGNORE, Sample, TileDataset, fixed_tiles
from course_lib.unet.normalise import BandStats
from course_lib.unet.threshold import choose_threshold
from course_lib.unet.trained import TrainedUNet


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
        steps_per_epoch: training steps between validations.
        epochs: maximum number of epochs.
        time_budget_s: wall-clock limit for training (None = no limit).
        peak_lr: learning rate after warm-up (1e-2: in one minute on one CPU it gave MCC
            0.55 on the study area's test blocks against 0.24 for 3e-3 and 0.53 for
            3e-2, ``bench/unet.md``).
        warmup: share of training spent warming up (0-1).
        final_lr_fraction: the cosine ends at ``peak_lr`` times this.
        schedule: ``"cosine"`` (warm-up + cosine) or ``"constant"``.
        augmentation: see :class:`~course_lib.unet.augment.Augmentation`.
        val_stride: stride of the validation tiles.
        max_val_tiles: cap on validation tiles per epoch (seeded subset).
        threshold_metric: ``"mcc"`` or ``"f1"``.
        tta: test-time augmentation used when choosing the threshold.
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
        verbose: print one line per epoch.
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
    steps_per_epoch: int = 25
    epochs: int = 40
    time_budget_s: float | None = None
    peak_lr: float = 1e-2
    warmup: float = 0.05
    final_lr_fraction: float = 0.02
    schedule: str = "cosine"
    augmentation: Augmentation = field(default_factory=Augmentation)
    val_stride: int = 64
    max_val_tiles: int | None = 64
    threshold_metric: str = "mcc"
    tta: Any = False
    seed: int = 2019
    jit_compile: Any = False
    clock: str = "wall"
    reuse_compiled: bool = True
    verbose: bool = True

    def __post_init__(self) -> None:
        if self.clock not in ("wall", "process"):
            raise ValueError(f"clock must be 'wall' or 'process'; got {self.clock!r}.")
        if self.schedule not in ("cosine", "constant"):
            raise ValueError(f"schedule must be 'cosine' or 'constant'; got {self.schedule!r}.")
        if self.architecture not in ("unet", "mobilenet_v2"):
            raise ValueError("architecture must be 'unet' or 'mobilenet_v2'; "
                             f"got {self.architecture!r}.")
        if self.architecture == "mobilenet_v2" and self.tile % 32:
            raise ValueError(f"tile ({self.tile}) must be a multiple of 32 for the "
                             "MobileNetV2 encoder (it halves the size five times).")
        if self.tile % (2 ** self.depth):
            raise ValueError(f"tile ({self.tile}) must be a multiple of 2**depth "
                             f"({2 ** self.depth}).")
        if self.time_budget_s is not None and self.time_budget_s <= 0:
            raise ValueError(f"time_budget_s must be positive or None; got {self.time_budget_s}.")
        for name in ("batch_size", "steps_per_epoch", "epochs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be a positive int; got {value!r}.")


def learning_rate(progress: float, cfg: TrainConfig) -> float:
    """Learning rate at ``progress`` (0-1) of training: warm-up, then cosine decay.

    >>> c = TrainConfig(peak_lr=1.0, warmup=0.1, final_lr_fraction=0.0)
    >>> [round(learning_rate(p, c), 3) for p in (0.0, 0.05, 0.1, 0.55, 1.0)]
    [0.1, 0.5, 1.0, 0.5, 0.0]
    """
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


def _callbacks(cfg: TrainConfig, total_steps: int):
    import keras

    class Control(keras.callbacks.Callback):
        """Learning-rate schedule, time budget, best weights and progress lines."""

        def __init__(self) -> None:
            super().__init__()
            self.now = time.perf_counter if cfg.clock == "wall" else time.process_time
            self.step = 0
            self.best = math.inf
            self.best_weights = None
            self.best_epoch = -1
            self.history: dict[str, list[float]] = {"loss": [], "val_loss": [], "lr": [],
                                                    "seconds": [], "steps": [], "step_lr": []}
            self.stop_reason = "epochs"
            self.step_times: list[float] = []
            self.val_seconds = 0.0
            self.train_seconds = 0.0
            self.first_step_end: float | None = None

        def _elapsed(self) -> float:
            return self.now() - self.t0

        def _progress(self) -> float:
            p = self.step / total_steps
            if cfg.time_budget_s and self.first_step_end is not None:
                start = self.first_step_end
                p = max(p, (self._elapsed() - start) / max(cfg.time_budget_s - start, 1e-9))
            return p

        def on_train_begin(self, logs=None) -> None:
            self.t0 = self.now()

        def on_train_batch_begin(self, batch, logs=None) -> None:
            rate = learning_rate(self._progress(), cfg)
            self.model.optimizer.learning_rate = rate
            self.history["step_lr"].append(rate)
            self.t_batch = self.now()

        def on_train_batch_end(self, batch, logs=None) -> None:
            self.step += 1
            if self.first_step_end is None:
                self.first_step_end = self._elapsed()
            dt = self.now() - self.t_batch
            self.train_seconds += dt
            self.step_times.append(dt)
            if cfg.time_budget_s:
                # the first step includes building the graph: leave it out of the estimate
                # (after it, assume the next step is quick; the second step's time tells)
                times = self.step_times[1:]
                recent = float(np.median(times[-10:])) if times else 0.0
                if self._elapsed() + recent + self.val_seconds > cfg.time_budget_s:
                    self.stop_reason = "time budget"
                    self.model.stop_training = True

        def on_test_begin(self, logs=None) -> None:
            self.t_val = self.now()

        def on_test_end(self, logs=None) -> None:
            self.val_seconds = self.now() - self.t_val

        def on_epoch_end(self, epoch, logs=None) -> None:
            logs = logs or {}
            loss, val = float(logs.get("loss", np.nan)), float(logs.get("val_loss", np.nan))
            lr = float(np.asarray(self.model.optimizer.learning_rate))
            h = self.history
            h["loss"].append(loss), h["val_loss"].append(val), h["lr"].append(lr)
            h["seconds"].append(round(self._elapsed(), 2)), h["steps"].append(self.step)
            marker = ""
            if np.isfinite(val) and val < self.best:
                self.best, self.best_epoch = val, epoch
                self.best_weights = self.model.get_weights()
                marker = "  * best so far"
            if cfg.verbose:
                print(f"epoch {epoch + 1:3d}  steps {self.step:5d}  loss {loss:.3f}  "
                      f"val_loss {val:.3f}  lr {lr:.1e}  {self._elapsed():6.1f} s{marker}",
                      flush=True)

        def on_train_end(self, logs=None) -> None:
            if self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    return Control()


def _fit(model: Any, train_data: TileDataset, val_data: TileDataset, epochs: int,
         control: Any) -> None:
    """``model.fit`` with one callback, as a plain loop of ``train_on_batch`` calls.

    Keras' ``fit`` turns a ``PyDataset`` into a ``tf.data`` pipeline whose threads cost, on
    one CPU, about 0.4 s per step of 0.7 s (measured in ``bench/unet.md``); calling
    ``train_on_batch`` / ``test_on_batch`` on the batches gives the same updates (the
    tiles are still cut batch by batch) at 1.6 times the steps per second.
    """
    control.set_model(model)
    model.stop_training = False
    control.on_train_begin()

    def mean_loss(losses: list[tuple[float, int]]) -> float:
        """The epoch's loss as Keras reports it: the batches' losses weighted by their size."""
        total = sum(n for _, n in losses)
        return sum(v * n for v, n in losses) / total if total else float("nan")

    for epoch in range(epochs):
        losses: list[tuple[float, int]] = []
        for index in range(len(train_data)):
            control.on_train_batch_begin(index)
            x, y = train_data[index]
            losses.append((float(model.train_on_batch(x, y)), len(x)))
            control.on_train_batch_end(index)
            if model.stop_training:
                break
        train_data.on_epoch_end()
        control.on_test_begin()
        val_losses = []
        for index in range(len(val_data)):
            x, y = val_data[index]
            n = len(x)
            if n < val_data.batch_size:   # pad with ignored pixels: one batch shape, no retracing
                pad = val_data.batch_size - n
                x = np.concatenate([x, np.zeros((pad, *x.shape[1:]), x.dtype)])
                y = np.concatenate([y, np.full((pad, *y.shape[1:]), IGNORE, y.dtype)])
            val_losses.append((float(model.test_on_batch(x, y)), n))
        control.on_test_end()
        control.on_epoch_end(epoch, {"loss": mean_loss(losses),
                                     "val_loss": mean_loss(val_losses)})
        if model.stop_training:
            break
    control.on_train_end()


def train_unet(train: Sequence[Sample], val: Sequence[Sample], stats: BandStats,
               config: TrainConfig | None = None, **changes: Any) -> TrainedUNet:
    """Train a U-Net and choose its threshold on the validation samples.

    Args:
        train: training samples (:func:`course_lib.unet.dataset.make_sample`), e.g. the scene
            with ``region=split.region("train")``, or a list of chips.
        val: validation samples (labels used for the best epoch and the threshold).
        stats: the normalisation the samples were made with (stored with the model).
        config: a :class:`TrainConfig`; keyword arguments override its fields, e.g.
            ``train_unet(tr, va, stats, time_budget_s=180, epochs=30)``.

    Returns:
        a :class:`~course_lib.unet.trained.TrainedUNet` with ``history`` and ``info``
        (``steps``, ``train_seconds``, ``steps_per_second``, ``stop_reason``, ``best_epoch``,
        ``val_score`` at the threshold, ``n_params``, the config).
    """
    import keras

    cfg = config or TrainConfig()
    if changes:
        unknown = sorted(set(changes) - set(TrainConfig.__dataclass_fields__))
        if unknown:
            raise TypeError(f"unknown training options {unknown}; see TrainConfig.")
        cfg = TrainConfig(**{**asdict(cfg), **changes,
                             "augmentation": changes.get("augmentation", cfg.augmentation)})
    if not train:
        raise ValueError("train is empty: pass at least one training sample.")
    if not val:
        raise ValueError("val is empty: pass at least one validation sample (the best epoch "
                         "and the threshold are chosen on it).")
    n_bands = len(stats.band_names)
    for s in [*train, *val]:
        if s.image.shape[-1] != n_bands:
            raise ValueError(f"sample {s.name!r} has {s.image.shape[-1]} bands, stats "
                             f"{n_bands} ({stats.band_names}).")
    keras.utils.set_random_seed(cfg.seed)
    result_model = build_model(n_bands, cfg)
    model, reused = _compiled_model(n_bands, cfg, result_model)
    train_data = TileDataset(train, batch_size=cfg.batch_size, steps=cfg.steps_per_epoch,
                             tile=cfg.tile, augmentation=cfg.augmentation, seed=cfg.seed,
                             positive_fraction=cfg.positive_fraction)
    val_tiles = fixed_tiles(val, cfg.tile, cfg.val_stride, cfg.max_val_tiles, cfg.seed)
    val_data = TileDataset(val, batch_size=cfg.batch_size, tile=cfg.tile, tiles=val_tiles)
    control = _callbacks(cfg, cfg.epochs * cfg.steps_per_epoch)
    t0 = time.perf_counter()
    _fit(model, train_data, val_data, cfg.epochs, control)
    fit_seconds = time.perf_counter() - t0
    if model is not result_model:
        result_model.set_weights(model.get_weights())
    trained = TrainedUNet(model=result_model, stats=stats, tile=cfg.tile,
                          history=control.history)
    # Threshold on the validation samples, predicted as a scene would be.
    probs, labels = [], []
    for s in val:
        p = trained_predict_sample(trained, s, tta=cfg.tta)
        probs.append(p.ravel()), labels.append(s.label[:p.shape[0], :p.shape[1]].ravel())
    choice = choose_threshold(np.concatenate(probs), np.concatenate(labels),
                              metric=cfg.threshold_metric)
    trained.threshold = choice.threshold
    cfg_dict = asdict(cfg)
    trained.info = {
        "steps": control.step, "fit_seconds": round(fit_seconds, 2), "clock": cfg.clock,
        "budget_seconds_used": round(control.now() - control.t0, 2),
        "train_seconds": round(control.train_seconds, 2),
        # steps per second after the first step (which includes building the graph)
        "steps_per_second": round((control.step - 1) / max(sum(control.step_times[1:]), 1e-9), 3)
        if control.step > 1 else float("nan"),
        "first_step_seconds": round(control.step_times[0], 2) if control.step_times else None,
        "max_step_seconds": round(max(control.step_times[1:] or control.step_times or [0]), 3),
        "val_seconds": round(control.val_seconds, 2),
        "stop_reason": control.stop_reason, "best_epoch": control.best_epoch + 1,
        "best_val_loss": control.best, "val_score": choice.score,
        "threshold_metric": choice.metric, "n_params": int(model.count_params()),
        "reused_compiled_model": reused,
        "config": cfg_dict,
    }
    return trained


def trained_predict_sample(trained: TrainedUNet, sample: Sample, tta: Any = False,
                           stride: int | None = None) -> np.ndarray:
    """Blended probabilities of a sample's region (the whole sample when it has none).

    The sample is already standardised. With a region (e.g. the validation blocks of a
    scene) only a window around each connected part of it is predicted, with a margin of a
    quarter tile for context, not the whole scene. The result is cropped to the sample's
    unpadded size and is NaN where the label is -1 (ignored pixels) or outside the region.
    """
    from scipy import ndimage

    from course_lib.unet.predict import predict_scene

    rows, cols = sample.shape
    step = stride or trained.tile // 2
    if sample.region is None:
        prob = predict_scene(trained.model, sample.image, tile=trained.tile, stride=step,
                             tta=tta)[:rows, :cols]
    else:
        prob = np.full((rows, cols), np.nan, np.float32)
        region = sample.region[:rows, :cols]
        labels, _ = ndimage.label(region)
        margin = trained.tile // 4
        for box in ndimage.find_objects(labels):
            r0, r1 = max(box[0].start - margin, 0), min(box[0].stop + margin, rows)
            c0, c1 = max(box[1].start - margin, 0), min(box[1].stop + margin, cols)
            part = predict_scene(trained.model, sample.image[r0:r1, c0:c1], tile=trained.tile,
                                 stride=step, tta=tta)
            inside = region[r0:r1, c0:c1]
            prob[r0:r1, c0:c1][inside] = part[inside]
    bad = sample.label[:rows, :cols] < 0
    if sample.region is not None:
        bad |= ~sample.region[:rows, :cols]
    prob[bad] = np.nan
    return prob
