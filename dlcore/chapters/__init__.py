"""The experiments and figures of the book's chapters, one module per chapter, named after its notebook.

``chNN_<name>`` serves ``chapters/NN_<name>.ipynb``. A chapter module imports only the core of
:mod:`dlcore`, never another chapter's module: what two chapters both need lives once in the core.
"""
