"""Static files in production: WhiteNoise's compressed, hashed files, with each file's URL
looked up once per process.

`{% static %}` asks the storage for a URL on every use, and the manifest storage answers by
joining paths and looking the name up in its manifest each time: five times a page, about a
tenth of the time it takes to render a signed-in page's header and footer. The manifest is read
when the process starts and does not change until the next deploy, which starts new processes.
"""

from whitenoise.storage import CompressedManifestStaticFilesStorage


class StaticFilesStorage(CompressedManifestStaticFilesStorage):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._urls: dict[str, str] = {}

    def url(self, name, force=False):
        if force:
            return super().url(name, force=True)
        try:
            return self._urls[name]
        except KeyError:
            url = self._urls[name] = super().url(name)
            return url
