from django.contrib import admin

from .models import BodyMember, Governance


class MemberInline(admin.TabularInline):
    model = BodyMember
    extra = 0
    raw_id_fields = ("user",)


@admin.register(Governance)
class GovernanceAdmin(admin.ModelAdmin):
    list_display = ("convention", "kind", "name")
    inlines = [MemberInline]
