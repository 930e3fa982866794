"""trialbrief: congress news article -> checked trial record -> plain-language summary draft.

The pipeline reads in file order: fetch -> extract -> verify -> summarise -> render.
"""

__version__ = "0.1.0"
