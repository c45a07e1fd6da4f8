"""Version-neutral operations: what every API version does, decided once.

``operations.Core`` bundles them over one store; ``rules`` says how versions
differ; ``body`` is the request body as the operations read it.
"""
