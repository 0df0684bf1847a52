from django.shortcuts import render


def grid_map(request):
    """The public map of the grid tree (网格地图)."""
    return render(request, "web/map.html")
