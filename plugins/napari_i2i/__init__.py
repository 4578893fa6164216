"""The napari plugin of i2i: predict organelles from the images open in the viewer.

An npe2 plugin (manifest ``napari.yaml``, entry point group ``napari.manifest``), not an ``i2i``
plugin: it registers no i2i components and uses the core's public API (:mod:`i2i.io`,
:mod:`i2i.prediction`, :mod:`i2i.zoo`, :mod:`i2i.data.samples`). napari, Qt and magicgui are
imported only by its widget module, when napari loads it; install them with
``pip install "i2i-microscopy[napari]"``. See docs/napari.md.
"""
