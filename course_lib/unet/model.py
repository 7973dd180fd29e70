"""A scaled-down U-Net for any number of input bands, and a loss for rare landslide pixels.

Architecture after Ronneberger, Fischer and Brox (2015), *U-Net: convolutional networks for
biomedical image segmentation*, MICCAI: an **encoder** of ``depth`` levels, each two 3 x 3
convolutions (here with batch normalisation, Ioffe and Szegedy 2015, and ReLU) followed by 2 x 2
max pooling that halves the size and doubles the filters; a **bottleneck**; a **decoder** that
upsamples (2 x 2 transposed convolution), concatenates the encoder's features of the same size
(the *skip connections* that restore detail), and convolves again; and a 1 x 1 convolution with
a sigmoid giving the landslide probability of every pixel. The paper used "a scaled-down U-Net"
(Ganerød, Lindsay et al. 2023, section 3.2 (v)); the base filters and depth here were chosen by
measuring steps per second on one CPU (``bench/unet.md``).

Import this module only when you need Keras: importing Keras starts TensorFlow (~0.5 GB).
"""

from __future__ import annotations

import keras
from keras import layers, ops

#: Label value of pixels the loss ignores (NaN inputs, padding of small chips).
IGNORE = -1


def _conv_block(x, filters: int, batch_norm: bool, name: str, bn_momentum: float = 0.99):
    for i in (1, 2):
        x = layers.Conv2D(filters, 3, padding="same", use_bias=not batch_norm,
                          kernel_initializer="he_normal", name=f"{name}_conv{i}")(x)
        if batch_norm:
            x = layers.BatchNormalization(momentum=bn_momentum, name=f"{name}_bn{i}")(x)
        x = layers.Activation("relu", name=f"{name}_relu{i}")(x)
    return x


def build_unet(n_bands: int, *, depth: int = 3, base_filters: int = 16,
               batch_norm: bool = True, dropout: float = 0.0, bn_momentum: float = 0.99,
               name: str = "unet") -> keras.Model:
    """Build a U-Net that maps ``(rows, cols, n_bands)`` to a ``(rows, cols, 1)`` probability.

    Args:
        n_bands: input channels (3 for the paper's setting 2).
        depth: number of down-sampling steps; rows and cols of the input must be multiples of
            ``2 ** depth`` (128 px tiles allow up to 7).
        base_filters: filters of the first level, doubled at each level down.
        batch_norm: batch normalisation after every convolution.
        dropout: dropout rate in the bottleneck (0 = none).
        bn_momentum: momentum of batch normalisation's moving mean and variance (Keras'
            default 0.99). The moving statistics are what the network uses at prediction;
            after ``n`` steps they still hold ``momentum ** n`` of their initial values
            (0.99 ** 150 = 22 %), so a network trained for a few hundred steps, as on one CPU
            in minutes, predicts with statistics unlike its training ones. 0.9 forgets the
            start within a few dozen steps.
        name: the model's name.

    Returns:
        an uncompiled ``keras.Model`` with input shape ``(None, None, n_bands)``.
    """
    for value, what, low in ((n_bands, "n_bands", 1), (depth, "depth", 1),
                             (base_filters, "base_filters", 1)):
        if isinstance(value, bool) or not isinstance(value, int) or value < low:
            raise ValueError(f"{what} must be an int >= {low}; got {value!r}.")
    if not 0.0 <= dropout < 1.0:
        raise ValueError(f"dropout must be in [0, 1); got {dropout!r}.")
    if not 0.0 <= bn_momentum < 1.0:
        raise ValueError(f"bn_momentum must be in [0, 1); got {bn_momentum!r}.")
    inputs = keras.Input((None, None, n_bands), name="image")
    x = inputs
    skips = []
    for level in range(depth):
        x = _conv_block(x, base_filters * 2 ** level, batch_norm, f"down{level}", bn_momentum)
        skips.append(x)
        x = layers.MaxPooling2D(2, name=f"pool{level}")(x)
    x = _conv_block(x, base_filters * 2 ** depth, batch_norm, "bottleneck", bn_momentum)
    if dropout:
        x = layers.Dropout(dropout, name="dropout")(x)
    for level in reversed(range(depth)):
        x = layers.Conv2DTranspose(base_filters * 2 ** level, 2, strides=2,
                                   name=f"up{level}_transpose")(x)
        x = layers.Concatenate(name=f"up{level}_skip")([x, skips[level]])
        x = _conv_block(x, base_filters * 2 ** level, batch_norm, f"up{level}", bn_momentum)
    outputs = layers.Conv2D(1, 1, activation="sigmoid", dtype="float32", name="probability")(x)
    return keras.Model(inputs, outputs, name=name)


#: Layers of ``keras.applications.MobileNetV2`` whose outputs the decoder joins, at 1/2, 1/4,
#: 1/8 and 1/16 of the input size, and the bottom of the encoder at 1/32 (the choice of the
#: TensorFlow segmentation tutorial's MobileNetV2 U-Net).
MOBILENET_V2_SKIPS = ("block_1_expand_relu", "block_3_expand_relu", "block_6_expand_relu",
                      "block_13_expand_relu")
MOBILENET_V2_BOTTOM = "block_16_project"


def build_mobilenet_unet(n_bands: int, *, alpha: float = 0.35, weights: str | None = None,
                         train_encoder: bool = True,
                         decoder_filters: tuple[int, ...] = (64, 32, 16, 8),
                         bn_momentum: float = 0.99, name: str = "mobilenet_unet") -> keras.Model:
    """A U-Net whose encoder is MobileNetV2 (Sandler et al. 2018, CVPR), optionally pretrained.

    A pretrained encoder is the usual lever for segmentation with little labelled data: its
    filters already respond to edges and textures, so the few hundred steps a CPU affords go
    to the decoder and to adapting them. MobileNetV2 is built for phones: its depthwise
    convolutions and an early stride of 2 keep it cheap on one CPU. The decoder is the
    U-Net's: a 2 x 2 transposed convolution up, the encoder's features of the same size
    joined (:data:`MOBILENET_V2_SKIPS`), two 3 x 3 convolutions; the last level joins the
    input itself, so edges stay sharp at full resolution.

    Args:
        n_bands: input channels. ImageNet weights expect 3; with another number a learned
            1 x 1 convolution maps the bands to 3 channels first.
        alpha: MobileNetV2 width multiplier (0.35, 0.5, 0.75, 1.0, 1.3 or 1.4 have ImageNet
            weights).
        weights: ``None`` (random start), ``"imagenet"`` (downloaded once by Keras to
            ``~/.keras/models``; needs the internet, as on Binder) or the path of a weights
            file of the same MobileNetV2 without its top (e.g. downloaded elsewhere).
        train_encoder: fine-tune the encoder (True) or keep it fixed (False).
        decoder_filters: filters of the decoder levels, from 1/16 up to 1/2 of the input size;
            the full-size level uses the last value.
        bn_momentum: momentum of every batch normalisation, the encoder's included (Keras
            builds MobileNetV2 with 0.999, far too slow for a few hundred steps: see
            :func:`build_unet`).
        name: the model's name.

    Returns:
        an uncompiled ``keras.Model``; rows and cols of its input must be multiples of 32.

    Raises:
        RuntimeError: the ImageNet weights could not be downloaded (no network).
    """
    if isinstance(n_bands, bool) or not isinstance(n_bands, int) or n_bands < 1:
        raise ValueError(f"n_bands must be an int >= 1; got {n_bands!r}.")
    if len(decoder_filters) != len(MOBILENET_V2_SKIPS):
        raise ValueError(f"decoder_filters needs {len(MOBILENET_V2_SKIPS)} values; "
                         f"got {decoder_filters!r}.")
    if not 0.0 <= bn_momentum < 1.0:
        raise ValueError(f"bn_momentum must be in [0, 1); got {bn_momentum!r}.")
    import warnings

    try:
        with warnings.catch_warnings():
            # "input_shape is undefined": intended, any tile size; the 224 px weights fit all
            warnings.filterwarnings("ignore", message=".*input_shape. is undefined")
            base = keras.applications.MobileNetV2(input_shape=(None, None, 3),
                                                  include_top=False, weights=weights,
                                                  alpha=alpha)
    except (OSError, ValueError) as err:
        # OSError / ValueError: the file is missing or holds another network's weights
        raise ValueError(f"could not load MobileNetV2 weights {weights!r} (alpha {alpha}): "
                         f"{err}") from err
    except Exception as err:   # Keras' download wraps URL and HTTP errors in Exception
        raise RuntimeError(
            f"could not download the ImageNet weights of MobileNetV2 (alpha {alpha}): {err}. "
            "This needs the internet (Binder has it). Without it, use weights=None to start "
            "from random weights, or pass the path of a weights file downloaded elsewhere."
        ) from err
    for layer in base.layers:
        if isinstance(layer, layers.BatchNormalization):
            layer.momentum = bn_momentum
    encoder = keras.Model(base.input,
                          [base.get_layer(n).output
                           for n in (*MOBILENET_V2_SKIPS, MOBILENET_V2_BOTTOM)],
                          name="mobilenet_v2_encoder")
    encoder.trainable = train_encoder
    inputs = keras.Input((None, None, n_bands), name="image")
    rgb = inputs if n_bands == 3 else layers.Conv2D(3, 1, name="bands_to_rgb")(inputs)
    *skips, x = encoder(rgb)
    for level, (skip, filters) in enumerate(zip(reversed(skips), decoder_filters)):
        x = layers.Conv2DTranspose(filters, 2, strides=2, name=f"up{level}_transpose")(x)
        x = layers.Concatenate(name=f"up{level}_skip")([x, skip])
        x = _conv_block(x, filters, True, f"up{level}", bn_momentum)
    filters = decoder_filters[-1]
    x = layers.Conv2DTranspose(filters, 2, strides=2, name="full_transpose")(x)
    x = layers.Concatenate(name="full_skip")([x, rgb])
    x = _conv_block(x, filters, True, "full", bn_momentum)
    outputs = layers.Conv2D(1, 1, activation="sigmoid", dtype="float32", name="probability")(x)
    return keras.Model(inputs, outputs, name=name)


@keras.saving.register_keras_serializable(package="course_lib")
def bce_dice_loss(y_true, y_pred):
    """Binary cross-entropy plus soft Dice loss, ignoring pixels labelled -1.

    Why both: landslides are about 1 % of the pixels. Cross-entropy alone is dominated by the
    many easy background pixels, so the network learns "no landslide" first and predicts low
    probabilities for the rare class; the soft Dice loss, 1 - 2|P∩T| / (|P| + |T|), measures
    overlap with the landslide pixels only and so does not care how many background pixels
    there are (Milletari et al. 2016, *V-Net*, 3DV). Dice alone gives noisy gradients when a
    tile holds few or no landslide pixels; the sum of the two is a common, stable choice for
    imbalanced segmentation (e.g. Isensee et al. 2021, *nnU-Net*, Nature Methods 18:203).
    Dice is computed over the whole batch (not per tile), so tiles without landslides do not
    produce undefined 0/0 terms. Pixels with label -1 (NaN inputs, padding) count in neither
    term (the NaN policy, :mod:`course_lib.unet.normalise`).

    Args:
        y_true: labels ``(batch, rows, cols[, 1])`` in {0, 1, -1}.
        y_pred: probabilities, same shape.

    Returns:
        a scalar loss.
    """
    if y_true is None or y_pred is None:
        raise TypeError("y_true and y_pred must be arrays of labels and probabilities; got "
                        f"{type(y_true).__name__} and {type(y_pred).__name__}.")
    y_pred = ops.reshape(ops.cast(y_pred, "float32"), (-1,))
    y_true = ops.reshape(ops.cast(y_true, "float32"), (-1,))
    weight = ops.cast(ops.greater_equal(y_true, 0.0), "float32")
    target = ops.clip(y_true, 0.0, 1.0)
    eps = 1e-6
    p = ops.clip(y_pred, eps, 1.0 - eps)
    bce = -(target * ops.log(p) + (1.0 - target) * ops.log(1.0 - p))
    bce = ops.sum(bce * weight) / ops.maximum(ops.sum(weight), 1.0)
    intersection = ops.sum(weight * target * y_pred)
    dice = 1.0 - (2.0 * intersection + 1.0) / (
        ops.sum(weight * target) + ops.sum(weight * y_pred) + 1.0)
    return bce + dice


def count_params(model: keras.Model) -> int:
    """Number of weights of a model."""
    if not hasattr(model, "count_params"):
        raise TypeError(f"model must be a Keras model; got {type(model).__name__}.")
    return int(model.count_params())
