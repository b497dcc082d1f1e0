"""nbgrader configuration when nbgrader or JupyterLab (formgrader) runs from the repository root.

The course directory is ``labs/``; its configuration is the one in ``labs/nbgrader_config.py``.
"""

c = get_config()  # noqa: F821 - provided by nbgrader
load_subconfig("labs/nbgrader_config.py")  # noqa: F821
