from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from . import models


class MembershipInline(admin.TabularInline):
    model = models.Membership
    extra = 0
    autocomplete_fields = ["desk", "school", "circonscription", "academie", "collectivite", "vendor"]


@admin.register(models.User)
class UserAdmin(BaseUserAdmin):
    inlines = [MembershipInline]
    fieldsets = BaseUserAdmin.fieldsets + ((_("Annuaire académique"), {"fields": ("aaf_id", "phone")}),)
    search_fields = ["username", "first_name", "last_name", "email", "aaf_id"]
    list_display = ["username", "first_name", "last_name", "email", "aaf_id", "is_active", "is_staff"]
    list_filter = ["is_active", "is_staff", "is_superuser", "memberships__role"]


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
    search_fields = ["code", "name", "academie__name"]
    list_display = ["name", "code", "academie"]
    list_filter = ["academie"]
    list_select_related = ["academie"]
    autocomplete_fields = ["academie"]


@admin.register(models.Collectivite)
class CollectiviteAdmin(admin.ModelAdmin):
    search_fields = ["name", "siret", "insee_code"]
    list_display = ["name", "kind", "siret"]
    list_filter = ["kind"]


@admin.register(models.School)
class SchoolAdmin(admin.ModelAdmin):
    search_fields = ["uai", "name", "commune", "commune_code", "circonscription__name"]
    list_display = ["uai", "name", "kind", "commune", "academie", "circonscription", "collectivite"]
    list_filter = ["kind", "academie", ("collectivite", admin.EmptyFieldListFilter), ("circonscription", admin.EmptyFieldListFilter)]
    show_full_result_count = False  # counting 66,000 rows on every page is wasted work
    list_select_related = ["academie", "circonscription", "collectivite"]
    autocomplete_fields = ["academie", "circonscription", "collectivite"]


@admin.register(models.Vendor)
class VendorAdmin(admin.ModelAdmin):
    search_fields = ["slug", "name"]
    list_display = ["name", "slug"]


@admin.register(models.EntProduct)
class EntProductAdmin(admin.ModelAdmin):
    search_fields = ["slug", "name", "vendor__name"]
    list_display = ["name", "slug", "vendor"]
    list_filter = ["vendor"]
    autocomplete_fields = ["vendor"]


@admin.register(models.Desk)
class DeskAdmin(admin.ModelAdmin):
    search_fields = ["slug", "name", "email"]
    list_display = ["name", "level", "owner_display", "email"]
    list_filter = ["level", ("vendor", admin.EmptyFieldListFilter), ("collectivite", admin.EmptyFieldListFilter)]
    list_select_related = ["school", "circonscription", "academie", "region", "collectivite", "vendor"]
    autocomplete_fields = ["school", "circonscription", "academie", "region", "collectivite", "vendor"]


    @admin.display(description=_("organisation"))
    def owner_display(self, obj):
        return obj.owner


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
    search_fields = ["reference", "title", "schools__uai", "collectivites__name"]
    list_display = ["reference", "product", "academie", "region", "starts_on", "ends_on", "fee_per_school"]
    list_select_related = ["product", "academie", "region"]
    date_hierarchy = "starts_on"
    list_filter = ["product", "academie", "region"]
    filter_horizontal = ["collectivites"]
    inlines = [ConventionSchoolInline, SupportRouteInline]


@admin.register(models.Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "target_display", "is_school_contact"]
    list_filter = ["role", "is_school_contact"]
    search_fields = ["user__username", "user__last_name", "user__aaf_id", "school__uai", "desk__slug"]
    list_select_related = ["user", "desk", "school", "circonscription", "academie", "region", "collectivite", "vendor"]

    @admin.display(description=_("guichet ou organisation"))
    def target_display(self, obj):
        return obj.target
    autocomplete_fields = ["user", "desk", "school", "circonscription", "academie", "collectivite", "vendor"]
