"""WhiteNoise for a checkout with no collectstatic step (静态文件).

gridgov serves its static files straight from the finders (settings.WHITENOISE_USE_FINDERS): a checkout runs
without collecting them, so STATIC_ROOT exists only where a deployment ran `gridgov collectstatic`. Nothing
creates it when the settings are read (reading settings writes nothing to disk); stock WhiteNoise would warn
"No directory at …" in every process then, so this one looks at STATIC_ROOT only when it is there.
"""

from __future__ import annotations

import os

from whitenoise.middleware import WhiteNoiseMiddleware


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    def add_files(self, root, prefix=None):
        if self.static_root and str(root) == str(self.static_root) and not os.path.isdir(root):
            return  # not collected: the finders serve every file
        super().add_files(root, prefix)
