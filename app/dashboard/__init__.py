"""The Streamlit dashboard: ``main.py`` is the router, one file per page, figures apart."""
