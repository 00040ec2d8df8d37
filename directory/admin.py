from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import models


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    autocomplete_fields = ["desk", "school", "circonscription", "academie", "collectivite", "vendor"]


@admin.register(models.User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    fieldsets = BaseUserAdmin.fieldsets + ((None, {"fields": ("aaf_id", "phone")}),)
    search_fields = ["username", "first_name", "last_name", "email", "aaf_id"]


@admin.register(models.RegionAcademique)
class RegionAcademiqueAdmin(admin.ModelAdmin):
    search_fields = ["code", "name"]
    list_display = ["name", "code"]


@admin.register(models.Academie)
class AcademieAdmin(admin.ModelAdmin):
    search_fields = ["code", "name"]
    list_display = ["name", "code", "region", "holiday_zone", "holiday_subdivision"]
    list_filter = ["holiday_zone", "region"]


@admin.register(models.Circonscription)
class CirconscriptionAdmin(admin.ModelAdmin):
    search_fields = ["code", "name"]
    list_display = ["name", "code", "academie"]
    list_filter = ["academie"]


@admin.register(models.Collectivite)
class CollectiviteAdmin(admin.ModelAdmin):
    search_fields = ["name", "siret", "insee_code"]
    list_display = ["name", "kind", "siret"]
    list_filter = ["kind"]


@admin.register(models.School)
class SchoolAdmin(admin.ModelAdmin):
    search_fields = ["uai", "name", "commune"]
    list_display = ["uai", "name", "kind", "commune", "academie", "circonscription", "collectivite"]
    list_filter = ["kind", "academie"]
    list_select_related = ["academie", "circonscription", "collectivite"]
    autocomplete_fields = ["academie", "circonscription", "collectivite"]


@admin.register(models.Vendor)
class VendorAdmin(admin.ModelAdmin):
    search_fields = ["slug", "name"]
    list_display = ["name", "slug"]


@admin.register(models.EntProduct)
class EntProductAdmin(admin.ModelAdmin):
    search_fields = ["slug", "name"]
    list_display = ["name", "vendor"]


@admin.register(models.Desk)
class DeskAdmin(admin.ModelAdmin):
    search_fields = ["slug", "name", "email"]
    list_display = ["name", "level", "owner", "email"]
    list_filter = ["level"]
    autocomplete_fields = ["school", "circonscription", "academie", "region", "collectivite", "vendor"]


class SupportRouteInline(admin.TabularInline):
    model = models.SupportRoute
    extra = 0
    autocomplete_fields = ["desk"]


class ConventionSchoolInline(admin.TabularInline):
    model = models.ConventionSchool
    extra = 0
    autocomplete_fields = ["school"]


@admin.register(models.Convention)
class ConventionAdmin(admin.ModelAdmin):
    search_fields = ["reference", "title"]
    list_display = ["reference", "product", "academie", "region", "starts_on", "ends_on", "fee_per_school"]
    list_filter = ["product", "academie", "region"]
    filter_horizontal = ["collectivites"]
    inlines = [ConventionSchoolInline, SupportRouteInline]


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "target"]
    list_filter = ["role"]
    search_fields = ["user__username", "user__last_name"]
    autocomplete_fields = ["user", "desk", "school", "circonscription", "academie", "collectivite", "vendor"]
