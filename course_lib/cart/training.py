"""Train a pixel classifier on training points and classify every pixel of a stack.

The paper's steps 3-5 (Ganerød, Lindsay et al. 2023, section 3.2 (iv)): train on the eight
classes, classify every pixel, merge the seven non-landslide classes, clean with a focal mode.
Pixels with NaN in any band are predicted NaN; training points with NaN are refused (or
dropped, if asked), never filled.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np
import pandas as pd
from sklearn.base import ClassifierMixin, clone
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from course_lib import sampling
from course_lib.blockwise import DEFAULT_CHUNK_PIXELS, predict_in_chunks
from course_lib.cart.models import CLASS_COLUMN, LANDSLIDE_CLASS, make_cart
from course_lib.config import DEFAULT_SEED
from course_lib.postprocess import focal_mode
from course_lib.validation import check_choice, check_integer, describe

NAN_POLICIES = ("raise", "drop")


def _point_names(table: pd.DataFrame, rows: np.ndarray) -> list[str]:
    ids = table["id"] if "id" in table.columns else pd.Series(table.index, index=table.index)
    names = []
    for i in np.flatnonzero(rows)[:10]:
        label = f"id {ids.iloc[i]}"
        if CLASS_COLUMN in table.columns:
            label += f" ({table[CLASS_COLUMN].iloc[i]})"
        names.append(label)
    more = int(rows.sum()) - len(names)
    return names + ([f"and {more} more"] if more > 0 else [])


def training_arrays(table: pd.DataFrame, band_names: Sequence[str], *,
                    class_column: str = CLASS_COLUMN, on_nan: str = "raise"
                    ) -> tuple[np.ndarray, np.ndarray]:
    """The feature matrix and class labels of a training table (one row per point).

    Args:
        table: e.g. ``sampling.sample_at_points(raster, points)``: one column per band and a
            class column.
        band_names: the feature columns, in the order the classifier will see them.
        class_column: the column of class names (or codes).
        on_nan: the course's NaN policy says never train on NaN. ``"raise"`` (default) stops
            with an error naming the points and bands; ``"drop"`` leaves those points out
            with a warning.

    Returns:
        ``(X, y)``: float32 ``(points, bands)`` and the labels ``(points,)``.

    Raises:
        ValueError: a missing column, an empty table, NaN (with ``on_nan="raise"``), or an
            unknown ``on_nan``.

    >>> t = pd.DataFrame({"a": [1.0, 2.0], "b": [3.0, 4.0], "class_name": ["x", "y"]})
    >>> X, y = training_arrays(t, ["b", "a"])
    >>> X.tolist(), y.tolist()
    ([[3.0, 1.0], [4.0, 2.0]], ['x', 'y'])
    """
    check_choice(on_nan, "on_nan", NAN_POLICIES,
                 "'raise' stops at NaN (the NaN policy), 'drop' leaves those points out.")
    if not isinstance(table, pd.DataFrame):
        raise TypeError(f"table must be a pandas DataFrame (one row per training point); got "
                        f"{describe(table)}. Make one with sampling.sample_at_points.")
    band_names = _band_list(band_names)
    if not band_names:
        raise ValueError("band_names is empty: name at least one band to train on.")
    missing = [c for c in [*band_names, class_column] if c not in table.columns]
    if missing:
        raise ValueError(f"The training table lacks the columns {missing}; it has "
                         f"{list(table.columns)}. Sample the same stack you will classify "
                         "(sampling.sample_at_points(stack, points)).")
    if len(table) == 0:
        raise ValueError("The training table is empty: there is nothing to learn from.")
    text = [b for b in band_names if not (pd.api.types.is_numeric_dtype(table[b])
                                          or pd.api.types.is_bool_dtype(table[b]))]
    if text:
        raise TypeError(f"The band columns {text} of the training table hold text, not numbers "
                        f"(e.g. {table[text[0]].iloc[0]!r}). Sample the values from the stack "
                        "(sampling.sample_at_points) or convert them with pd.to_numeric.")
    X = table[band_names].to_numpy(dtype=np.float32)
    y = table[class_column].to_numpy()
    bad = ~np.isfinite(X).all(axis=1)
    if bad.any():
        bands = [b for j, b in enumerate(band_names) if not np.isfinite(X[:, j]).all()]
        where = ", ".join(_point_names(table, bad))
        if on_nan == "raise":
            raise ValueError(
                f"{int(bad.sum())} training point(s) have NaN (no usable observation) in "
                f"bands {bands}: {where}. The course never trains on NaN: move or remove "
                "those points, or pass on_nan='drop' to leave them out.")
        warnings.warn(f"Leaving out {int(bad.sum())} training point(s) with NaN in bands "
                      f"{bands}: {where}.", stacklevel=2)
        X, y = X[~bad], y[~bad]
        if len(y) == 0:
            raise ValueError("Every training point has NaN in some band: nothing left to train.")
    return X, y


def _band_list(band_names: Any) -> list[str]:
    """Band names as a list; one name as a string is one band (not its letters)."""
    if isinstance(band_names, str):
        return [band_names]
    if band_names is None or not hasattr(band_names, "__iter__"):
        raise TypeError(f"band_names must be a list of band names, e.g. ['B04', 'B08']; got "
                        f"{describe(band_names)}.")
    return list(band_names)


def _check_estimator(estimator: Any) -> None:
    """A scikit-learn classifier *instance* (not the class, not a factory function)."""
    from sklearn.base import is_classifier

    if isinstance(estimator, type):
        raise TypeError(f"estimator must be a classifier object; got the class "
                        f"{estimator.__name__}. Create one: {estimator.__name__}().")
    if callable(estimator) and not hasattr(estimator, "fit"):
        name = getattr(estimator, "__name__", "the function")
        raise TypeError(f"estimator must be a classifier object; got the function {name}. "
                        f"Call it: {name}().")
    if not hasattr(estimator, "fit") or not hasattr(estimator, "get_params"):
        raise TypeError(f"estimator must be a scikit-learn classifier, e.g. make_cart() or "
                        f"make_random_forest(); got {describe(estimator)}.")
    if not is_classifier(estimator):
        raise TypeError(f"estimator must be a classifier (it predicts classes); got "
                        f"{type(estimator).__name__}. Use make_cart() or a *Classifier.")


@dataclass
class PixelClassifier:
    """A fitted scikit-learn classifier plus the band names and the landslide class.

    Attributes:
        estimator: the fitted classifier (a CART by default; any scikit-learn classifier).
        band_names: the bands it was trained on, in order.
        landslide_class: the class merged into "landslide"; every other class is "not".
        n_points: training points per class (after any dropped for NaN).
    """

    estimator: ClassifierMixin
    band_names: tuple[str, ...]
    landslide_class: str = LANDSLIDE_CLASS
    n_points: dict[str, int] = field(default_factory=dict)

    @property
    def classes(self) -> tuple[str, ...]:
        """The class names, in the estimator's order (the codes of :meth:`predict_classes`)."""
        return tuple(str(c) for c in self.estimator.classes_)

    @property
    def landslide_index(self) -> int:
        """The code of the landslide class."""
        return self.classes.index(str(self.landslide_class))

    def _codes(self, X: np.ndarray) -> np.ndarray:
        if isinstance(self.estimator, (DecisionTreeClassifier, RandomForestClassifier,
                                       ExtraTreesClassifier)):
            # What their predict() does, without turning a million codes into class-name
            # strings and back (five times faster here).
            return np.argmax(self.estimator.predict_proba(X), axis=1)
        labels = self.estimator.predict(X)
        return np.searchsorted(self.estimator.classes_, labels)

    def predict_classes(self, stack: Any, *, chunk_pixels: int = DEFAULT_CHUNK_PIXELS
                        ) -> np.ndarray:
        """The class code of every pixel (index into :attr:`classes`), float32, NaN = nodata."""
        return predict_in_chunks(self._codes, stack, self.band_names, chunk_pixels=chunk_pixels)

    def landslide_score(self, stack: Any, *, chunk_pixels: int = DEFAULT_CHUNK_PIXELS
                        ) -> np.ndarray:
        """The predicted probability of the landslide class (0-1), float32, NaN = nodata.

        For a CART grown to pure leaves this is 0 or 1; a forest gives the share of trees.
        """
        j = self.landslide_index
        return predict_in_chunks(lambda X: self.estimator.predict_proba(X)[:, j], stack,
                                 self.band_names, chunk_pixels=chunk_pixels)

    def predict_landslides(self, stack: Any, *, focal_window: int = 1,
                           chunk_pixels: int = DEFAULT_CHUNK_PIXELS) -> np.ndarray:
        """The binary landslide map: 1 landslide, 0 any other class, NaN nodata.

        The eight classes are predicted, then the seven non-landslide ones merged (the
        paper's step), then cleaned with :func:`focal_mode` when ``focal_window`` > 1.
        """
        j = self.landslide_index
        binary = predict_in_chunks(lambda X: self._codes(X) == j, stack, self.band_names,
                                   chunk_pixels=chunk_pixels)
        return focal_mode(binary, focal_window)


def fit_pixel_classifier(table: pd.DataFrame, band_names: Sequence[str],
                         estimator: ClassifierMixin | None = None, *,
                         class_column: str = CLASS_COLUMN,
                         landslide_class: str = LANDSLIDE_CLASS,
                         on_nan: str = "raise") -> PixelClassifier:
    """Train a classifier on the training points' classes (the paper: eight).

    Args:
        table: one row per point with the band columns and ``class_column``.
        band_names: the features, e.g. ``layers.setting_bands(2)``.
        estimator: any scikit-learn classifier (default :func:`make_cart`); it is cloned, so
            the object you pass stays unfitted and reusable.
        class_column: the column of class names.
        landslide_class: the class that becomes 1 in the binary map.
        on_nan: ``"raise"`` or ``"drop"`` (see :func:`training_arrays`).

    Returns:
        A :class:`PixelClassifier`.

    Raises:
        ValueError: no point of ``landslide_class``, or fewer than two classes.
    """
    if estimator is not None:
        _check_estimator(estimator)
    band_names = _band_list(band_names)
    X, y = training_arrays(table, band_names, class_column=class_column, on_nan=on_nan)
    labels = y.astype(str)
    if landslide_class not in set(labels):
        raise ValueError(f"No training point of class {landslide_class!r}; the classes are "
                         f"{sorted(set(labels))}. Pass landslide_class= the landslide class's "
                         "name.")
    if len(set(labels)) < 2:
        raise ValueError("The training points hold a single class: a classifier needs at "
                         "least two.")
    model = clone(estimator) if estimator is not None else make_cart()
    model.fit(X, labels)
    names, counts = np.unique(labels, return_counts=True)
    return PixelClassifier(estimator=model, band_names=tuple(band_names),
                           landslide_class=landslide_class,
                           n_points={str(n): int(c) for n, c in zip(names, counts)})


def classify_stack(table: pd.DataFrame, stack: Any, estimator: ClassifierMixin | None = None,
                   *, band_names: Sequence[str] | None = None, focal_window: int = 3,
                   on_nan: str = "raise", chunk_pixels: int = DEFAULT_CHUNK_PIXELS
                   ) -> tuple[PixelClassifier, np.ndarray]:
    """The paper's whole CART step: train on the points, classify the stack, merge, clean.

    Args:
        table: training table sampled from ``stack``.
        stack: the setting's Raster (``layers.setting_layers(k)``).
        estimator: default :func:`make_cart`.
        band_names: the features (default: every band of the stack).
        focal_window: side of the focal mode filter's square window (1 = no filter).

    Returns:
        ``(classifier, binary map)``, the map float32 1 / 0 / NaN.
    """
    if band_names is None:
        if not hasattr(stack, "band_names"):
            raise TypeError(f"stack must be a Raster (its band names pick the columns the tree "
                            f"was trained on); got {describe(stack)}. Pass the setting's "
                            "Raster, or band_names= in the stack's band order.")
        band_names = stack.band_names
    band_names = _band_list(band_names)
    classifier = fit_pixel_classifier(table, band_names, estimator, on_nan=on_nan)
    return classifier, classifier.predict_landslides(stack, focal_window=focal_window,
                                                     chunk_pixels=chunk_pixels)


def classify_at_points(stack: Any, points: Any, estimator: ClassifierMixin | None = None, *,
                       focal_window: int = 3, quiet: bool = False
                       ) -> tuple[PixelClassifier, np.ndarray, pd.DataFrame]:
    """:func:`classify_stack` from the points themselves, as notebook 04 runs the paper's CART.

    The stack is sampled at the points (``sampling.sample_at_points``, rows with NaN kept), the
    points with a NaN band are left out of training (the NaN policy; a warning names them
    unless ``quiet``), then the tree is trained, every pixel classified, the classes merged
    and the map cleaned with a ``focal_window`` focal mode.

    Returns:
        ``(classifier, binary map, training table)``; the table has every point, so a caller
        can count which ones trained the model.
    """
    table = sampling.sample_at_points(stack, points, on_invalid="keep")
    with warnings.catch_warnings():
        if quiet:
            warnings.simplefilter("ignore", UserWarning)
        classifier, binary = classify_stack(table, stack, estimator, focal_window=focal_window,
                                            on_nan="drop")
    return classifier, binary, table


def bootstrap_classifiers(table: pd.DataFrame, band_names: Sequence[str], n_resamples: int,
                          estimator: ClassifierMixin | None = None, *,
                          class_column: str = CLASS_COLUMN, on_nan: str = "raise",
                          seed: int = DEFAULT_SEED) -> list[PixelClassifier]:
    """Classifiers trained on bootstrap resamples of the training points, class by class.

    Each resample draws, within every class, as many points as the class has, with
    replacement (Efron and Tibshirani 1993), so the class counts stay those of the table.
    How much the maps of these classifiers differ shows how much a map made from a few
    points depends on *which* points were picked.

    Args:
        table, band_names, estimator, class_column, on_nan: as :func:`fit_pixel_classifier`
            (points with NaN are handled before resampling).
        n_resamples: number of classifiers.
        seed: seed of the resampling.
    """
    n_resamples = check_integer(n_resamples, "n_resamples", minimum=1)
    check_integer(seed, "seed", minimum=0, fix="A seed is a whole number, e.g. 2019.")
    if estimator is not None:
        _check_estimator(estimator)
    band_names = _band_list(band_names)
    X, y = training_arrays(table, band_names, class_column=class_column, on_nan=on_nan)
    clean = pd.DataFrame(X, columns=list(band_names))
    clean[class_column] = y
    rng = np.random.default_rng(seed)
    groups = [np.flatnonzero(y == c) for c in pd.unique(y)]
    out = []
    for _ in range(int(n_resamples)):
        rows = np.concatenate([rng.choice(g, size=g.size, replace=True) for g in groups])
        out.append(fit_pixel_classifier(clean.iloc[rows], band_names, estimator,
                                        class_column=class_column))
    return out
