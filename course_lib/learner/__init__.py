"""The learner's commands: the set-up check, the self-check questions, and the reset.

* :mod:`~course_lib.learner.setup_check`: ``./course check`` (or ``python -m
  course_lib.learner.setup_check``): one PASS/FAIL line per part of the set-up, with a fix;
* :mod:`~course_lib.learner.selfcheck`: the questions in the notebooks that tell you whether
  your answer is right;
* :mod:`~course_lib.learner.reset`: ``./course reset``, delete what the notebooks generated.
"""
