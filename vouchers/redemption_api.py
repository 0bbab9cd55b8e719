def register(router):
    """Add the redemption viewsets to the API router."""
