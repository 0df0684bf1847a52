"""Writes about people: API tokens, accounts, posts, units, and rosters of them from files.

The parts: tokens (令牌: issue, check, renew, revoke), accounts (the password policy, creating an account),
posts (岗位: assign, edit, remove), imports (人员花名册 and 单位 from files). This package exports the public
names of all of them.
"""

from gridgov.people.services.accounts import check_password_policy, create_user, set_password
from gridgov.people.services.imports import UNIT_CODE_RE, import_people, import_units
from gridgov.people.services.posts import POST_DETAILS, assign_post, check_post_kind, edit_post, remove_post
from gridgov.people.services.tokens import (
    LAST_USED_STEP,
    issue_token,
    renew_token,
    revoke_all_tokens,
    revoke_token,
    token_for_key,
    token_hash,
    token_lifetime,
    token_max_age,
    user_for_token,
)

__all__ = [
    "LAST_USED_STEP",
    "POST_DETAILS",
    "UNIT_CODE_RE",
    "assign_post",
    "check_password_policy",
    "check_post_kind",
    "create_user",
    "edit_post",
    "import_people",
    "import_units",
    "issue_token",
    "remove_post",
    "renew_token",
    "revoke_all_tokens",
    "revoke_token",
    "set_password",
    "token_for_key",
    "token_hash",
    "token_lifetime",
    "token_max_age",
    "user_for_token",
]
