"""deportation-stats: figures about deportation and repatriation, each traced to its source."""

__version__ = "0.1.0"
