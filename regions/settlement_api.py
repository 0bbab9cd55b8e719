def register(router):
    """Add the settlement batch viewsets to the API router."""
