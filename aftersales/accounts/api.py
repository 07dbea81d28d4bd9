from django.contrib.auth import authenticate
from django.utils.translation import gettext as _
from ninja import Router, Schema
from pydantic import Field

from aftersales.accounts.services import token_create
from aftersales.core.errors import Unauthorized

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str
    name: str = Field(default="api", max_length=64)


class TokenOut(Schema):
    token: str


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    roles: list[str]
    shops: list[int]


@router.post("/token", auth=None, response=TokenOut)
def create_token(request, payload: TokenIn):
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        raise Unauthorized(_("用户名或密码不正确。"), field="password", code="bad_credentials")
    return {"token": token_create(user=user, name=payload.name)}


@router.get("/me", response=MeOut)
def me(request):
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "roles": sorted(user.role_names),
        "shops": sorted(user.shop_ids()),
    }
