"""One-time sign-in codes (短信验证码) of the resident pages: only a keyed digest of the phone and of the code
is stored, never either in the clear."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SignInCode(models.Model):
    phone_key = models.CharField(_("phone digest"), max_length=64, db_index=True)
    code_hash = models.CharField(_("code digest"), max_length=64)
    sent_at = models.DateTimeField(_("sent at"))
    expires_at = models.DateTimeField(_("expires at"))
    tries = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sign-in code")
        verbose_name_plural = _("sign-in codes")
        indexes = [models.Index(fields=["phone_key", "sent_at"])]

    def __str__(self) -> str:
        return f"{self.phone_key[:8]}… {self.sent_at:%Y-%m-%d %H:%M}"
