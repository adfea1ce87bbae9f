"""Front ends over the engine: the Streamlit dashboard and the ``gwb`` command line."""
