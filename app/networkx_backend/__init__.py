"""networkx backend ``gwb``: existing networkx code runs on the engine.

networkx finds the backend through two entry points in ``pyproject.toml``:
``networkx.backends`` (:data:`~app.networkx_backend.interface.backend_interface`, loaded on
the first dispatched call) and ``networkx.backend_info``
(:func:`~app.networkx_backend.info.get_info`, read when networkx is imported, so this
package's ``__init__`` and ``info`` import nothing heavy).

>>> import networkx as nx
>>> G = nx.karate_club_graph()
>>> nx.triangles(G, backend="gwb")[0]
18

Modules: :mod:`~app.networkx_backend.graph` (the converted graph and the conversion cache),
:mod:`~app.networkx_backend.interface` (the object networkx loads: conversions, ``can_run``,
``should_run``), one module per family of dispatched functions (``pagerank``,
``clustering``, ``link_prediction``, ``cuts``). Those only map networkx's arguments
onto the engine's functions and their arrays back onto networkx's results; the
algorithms and their Numba kernels are the engine's: :mod:`engine.pagerank_power`,
:mod:`engine.triangles`, :mod:`engine.clustering_coefficient`,
:mod:`engine.square_clustering`, :mod:`engine.jaccard` and :mod:`engine.cuts`.
"""
