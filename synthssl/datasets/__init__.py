# Copyright (c) synthssl contributors.
from . import transforms  # noqa: F401
