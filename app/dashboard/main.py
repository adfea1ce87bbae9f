"""Dashboard entry point: ``streamlit run app/dashboard/main.py`` (or ``gwb app``).

A router: it sets up the page, draws the shared sidebar and hands over to the
page chosen in the navigation. Each page is one file in ``pages/``.
"""

from pathlib import Path

import streamlit as st

from app.dashboard.state import sidebar_graph_picker
from app.dashboard.warmup import engines_sidebar

PAGES = Path(__file__).parent / "pages"
# The tab's icon is a picture served by this server: a ":material/...:" page icon is fetched
# from fonts.gstatic.com, which an offline lab cannot reach. (The navigation's material
# icons are drawn from a font Streamlit ships, so they stay.)
ICON = Path(__file__).parent / "static" / "icon.png"

st.set_page_config(page_title="Graph Workbench", page_icon=ICON, layout="wide")
navigation = st.navigation(
    [
        st.Page(
            PAGES / "overview.py", title="Overview", icon=":material/monitoring:", default=True
        ),
        st.Page(PAGES / "graph.py", title="Graph", icon=":material/share:"),
        st.Page(PAGES / "pagerank.py", title="PageRank explorer", icon=":material/travel_explore:"),
        st.Page(PAGES / "embeddings.py", title="Embeddings", icon=":material/scatter_plot:"),
        st.Page(PAGES / "similar.py", title="Similar nodes", icon=":material/join_inner:"),
        st.Page(PAGES / "clusters.py", title="Local clusters", icon=":material/bubble_chart:"),
        st.Page(PAGES / "graphlets.py", title="Graphlets", icon=":material/hive:"),
    ]
)
error = sidebar_graph_picker()
if error is not None:
    st.error(f"Cannot open this graph: {error}. Showing the default sample instead.")
engines_sidebar(navigation)
navigation.run()
