"""The classifiers: a CART with Earth Engine ``smileCart``'s defaults, and a random forest."""

from __future__ import annotations

from typing import Any

from sklearn.ensemble import RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

from course_lib import validation
from course_lib.config import DEFAULT_SEED

#: Name of the landslide class in the training points (``area["training_points"]``).
LANDSLIDE_CLASS = "landslide"


#: Column of the training table that holds the class names.
CLASS_COLUMN = "class_name"


def make_cart(max_depth: int | None = None, min_samples_leaf: int = 1,
              random_state: int = DEFAULT_SEED, **kwargs: Any) -> DecisionTreeClassifier:
    """A CART classifier with the defaults of Earth Engine's ``smileCart``.

    ``ee.Classifier.smileCart(maxNodes=null, minLeafPopulation=1)`` grows the tree until its
    leaves are pure; so does ``DecisionTreeClassifier`` with ``max_depth=None`` and
    ``min_samples_leaf=1`` (Gini impurity, Breiman et al. 1984). The seed fixes the order in
    which tied features are tried, so two runs give the same tree.

    Args:
        max_depth: deepest level of the tree (None: until the leaves are pure).
        min_samples_leaf: fewest training points in a leaf (larger = simpler tree).
        random_state: seed.
        **kwargs: any other ``DecisionTreeClassifier`` argument.

    >>> make_cart(max_depth=3).get_params()["max_depth"]
    3
    """
    if max_depth is not None:
        validation.check_integer(max_depth, "max_depth", minimum=1,
                                 fix="None grows the tree until its leaves are pure.")
        max_depth = int(max_depth)
    _check_leaf(min_samples_leaf)
    _check_seed(random_state)
    return DecisionTreeClassifier(max_depth=max_depth, min_samples_leaf=min_samples_leaf,
                                  random_state=random_state, **kwargs)


def _check_leaf(min_samples_leaf: Any) -> None:
    if isinstance(min_samples_leaf, float) and 0 < min_samples_leaf < 1:
        return                     # scikit-learn's fraction of the points
    validation.check_integer(min_samples_leaf, "min_samples_leaf", minimum=1,
                             fix="The fewest training points in a leaf (1 = smileCart's).")


def _check_seed(random_state: Any) -> None:
    if random_state is None or isinstance(random_state, __import__("numpy").random.RandomState):
        return
    validation.check_integer(random_state, "random_state", minimum=0, maximum=2**32 - 1,
                             fix="A seed is a whole number, e.g. 2019.")


def make_random_forest(n_estimators: int = 200, random_state: int = DEFAULT_SEED,
                       **kwargs: Any) -> RandomForestClassifier:
    """A random forest (Breiman 2001) of ``n_estimators`` CARTs on bootstrap samples.

    One core (``n_jobs=1``) unless told otherwise: Binder has one CPU.

    >>> make_random_forest(50).n_estimators
    50
    """
    validation.check_integer(n_estimators, "n_estimators", minimum=1,
                             fix="The number of trees, e.g. 200.")
    n_estimators = int(n_estimators)
    _check_seed(random_state)
    kwargs.setdefault("n_jobs", 1)
    return RandomForestClassifier(n_estimators=n_estimators, random_state=random_state, **kwargs)
