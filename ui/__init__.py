"""The presentation floor: what people read and press, with no I/O.

Callback data (one builder, pattern and parser per button kind), catalogs and texts, views,
keyboards, and the rendering of notifications and reports live here.

May import: ``offramps``, ``storage`` and ``kotani`` models, and this package. Never ``bot``
or ``handlers``.
"""
