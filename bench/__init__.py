"""``python -m bench`` (``make bench``): the order import and the inbox at scale, each beside
the same work done by bare SQL in the same run. See ``bench/__main__.py``."""
