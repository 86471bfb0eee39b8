"""Imported first in every process that runs a learner's code offline (a Jupyter kernel, a .py run),
through the ``sitecustomize`` the grader puts on its PYTHONPATH: the guard on the network and the SDK
patches are then in force inside the untrusted process itself, not only in pytest's."""

from . import netguard, sdk_patches

netguard.install()
sdk_patches.install()
