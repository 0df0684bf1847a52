from django.conf import settings
from django.utils import translation

LANGUAGE_PARAM = "lang"


class ChineseFirstLocaleMiddleware:
    """Chinese unless the user chose otherwise (?lang=en or the language cookie).

    Django's LocaleMiddleware follows the browser's Accept-Language, which would show English to
    every office PC with an English browser; the product speaks Chinese first (DESIGN.md §6).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.GET.get(LANGUAGE_PARAM)
        language = chosen if chosen in self.supported else None
        if language is None:
            cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
            language = cookie if cookie in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        if chosen == language:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, language, samesite="Lax")
        response.headers.setdefault("Content-Language", language)
        translation.deactivate()
        return response
