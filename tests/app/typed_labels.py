"""What AppTest cannot do by itself: type a label that a node picker does not list."""


def type_label(selectbox, text: str):
    """Type ``text`` into an AppTest selectbox made with ``accept_new_options=True``.

    The browser sends a typed option as its text; AppTest only selects listed
    options, so the text is listed first and then selected.
    """
    selectbox.options.append(text)
    return selectbox.set_value(text)
