"""The shape every id of the dataset has: a slug chosen by whoever curates the thing it names."""

import re

SLUG_PATTERN = r"^[a-z0-9][a-z0-9-]{2,79}$"
SLUG = re.compile(SLUG_PATTERN)
