# Copyright (c) synthssl contributors.
# Registry location (see synthssl/registry.py); modules land here with the issues that add them.
