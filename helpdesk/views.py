from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render

from directory.selectors import perimeter_for


def home(request):
    perimeter = perimeter_for(request.user)
    return render(request, "home.html", {"perimeter": perimeter})


def healthz(request):
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
