"""Thin HTTP endpoints, one module per resource: each parses the request, calls a service and
shapes the answer (app/responses.py, app/figure_lists.py). No router imports another."""
