"""The dataset screen's widgets: file picker, preview table, findings, statistics, fix dialog.

`source.py` (random access to a file's rows) imports no Textual, so it can be tested on its own.
"""
