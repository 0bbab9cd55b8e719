from django.conf import settings


def navigation(request):
    """What the header needs on every page: the user's role and the language switch."""
    user = getattr(request, "user", None)
    role = getattr(user, "role", None) if user and user.is_authenticated else None
    return {"nav_role": role, "LANGUAGES_AVAILABLE": settings.LANGUAGES}
