from rest_framework.pagination import PageNumberPagination


class ApiPagination(PageNumberPagination):
    """Pages of 50, numbered from 1: `?page=2`. A page past the last is a 404 with a reason."""

    page_size = 50
