"""The panel's forms (flask-wtf): every field is checked on the server, in Chinese.

:class:`Form` is the base of every form: each text field also passes
``backend.core.text.CleanText`` (no NUL, control characters or lone surrogates), and a
refused form becomes :class:`backend.core.errors.Invalid` with one message per field, which
the screens show beside the fields. CSRF is checked for every POST by ``CSRFProtect``.
"""

from __future__ import annotations

import re

from flask import flash, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    DateTimeLocalField,
    Field,
    IntegerField,
    PasswordField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    AnyOf,
    DataRequired,
    InputRequired,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)
from wtforms.widgets import TextInput

from backend.accounts.models import Residency, ResidencyRole, Staff
from backend.accounts.staff import USERNAME_RE
from backend.core.api import MAX_ID
from backend.core.db import rollback
from backend.core.errors import DomainError, Invalid
from backend.core.phone import is_mobile, normalize_phone
from backend.core.text import CleanText
from backend.core.time import SHANGHAI

BAD_CHOICE = "提交的选项无效，请重新选择"
BAD_AMOUNT = "金额格式不正确（元，最多两位小数）"


def yuan_value(text: str | None, where: str, *, signed: bool = False) -> int:
    """Yuan as typed (``1,234.50``) → integer fen, through the one money parser
    (:func:`backend.fees.money.parse_yuan`: a plain decimal, at most two places, at most
    1 亿元, no exponents); a minus sign only where a balance may be negative (``signed``).
    :class:`Invalid` naming ``where`` otherwise. For amounts typed in rows of a table;
    a form's amount is a :class:`YuanField`."""
    from backend.fees.money import parse_yuan

    try:
        return parse_yuan(text or "", signed=signed)
    except ValueError:
        raise Invalid(BAD_AMOUNT, {where: ["金额格式不正确"]}) from None


class LocalDateTimeField(DateTimeLocalField):
    """A ``datetime-local`` input read as Asia/Shanghai wall-clock time (an aware
    datetime), refused in Chinese."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, format=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"], **kwargs)

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("时间格式不正确，应为 YYYY-MM-DDTHH:MM") from None
        if self.data is not None:
            self.data = self.data.replace(tzinfo=SHANGHAI)


class YuanField(Field):
    """An amount of money typed in yuan: ``data`` is integer fen (``None`` when left
    blank), parsed by the one money parser (:func:`yuan_value`). Every money field of the
    panel is one (``tests/admin/test_money_fields.py`` checks)."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, *, signed: bool = False, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.signed = signed

    def process_formdata(self, valuelist):
        text = (valuelist[0] if valuelist else "") or ""
        if not text.strip():
            self.data = None
            return
        try:
            self.data = yuan_value(text, self.name, signed=self.signed)
        except Invalid:
            self.data = None
            raise ValueError(BAD_AMOUNT) from None

    def _value(self) -> str:
        # shown again as typed (a refused form keeps what was written)
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        whole, cents = divmod(abs(self.data), 100)
        return f"{'-' if self.data < 0 else ''}{whole}.{cents:02d}"

    @property
    def typed(self) -> str:
        """What the input shows: the text as typed, or the amount in yuan (``-10.50``)."""
        return self._value()


class Form(FlaskForm):
    """Base of the panel's forms: text cleaned and checked, errors as :class:`Invalid`."""

    class Meta:
        # CSRFProtect already checks every POST of the app, with the same token
        csrf = False
        # wtforms' own messages (those no field names itself) in Chinese
        locales = ("zh",)

    #: check every text field with ``CleanText`` (what no database can take is refused
    #: before any view by the app-wide guard either way)
    clean_text = True

    def validate(self, extra_validators=None) -> bool:
        extra = {name: list(v) for name, v in (extra_validators or {}).items()}
        for name, field in self._fields.items():
            # a password is hashed, never stored or shown: any character may be in it
            if (
                self.clean_text
                and isinstance(field, StringField)
                and not isinstance(field, PasswordField)
            ):
                # a textarea takes line breaks (paragraphs of a post, a note, an answer)
                multiline = isinstance(field, TextAreaField)
                extra.setdefault(name, []).insert(0, CleanText(multiline=multiline))
        return super().validate(extra)

    def checked(self) -> dict:
        """The fields' data, or :class:`Invalid` naming every refused field."""
        if not self.validate():
            errors = {name: list(messages) for name, messages in self.errors.items()}
            first = next(iter(errors.values()))[0]
            raise Invalid(first, errors)
        return self.data


def _strip(value):
    """Surrounding blanks dropped (a field not sent stays ``None``)."""
    return value.strip() if isinstance(value, str) else value


def _id_field() -> IntegerField:
    """An optional id chosen in a select."""
    return IntegerField(
        validators=[Optional(), NumberRange(1, MAX_ID, message=BAD_CHOICE)],
        filters=[lambda value: value or None],
    )


class _DateField(DateField):
    """A date as a date input sends it (``YYYY-MM-DD``), refused in Chinese."""

    def process_formdata(self, valuelist) -> None:
        try:
            super().process_formdata(valuelist)
        except ValueError:
            raise ValueError("日期格式不正确，应为 YYYY-MM-DD") from None


def _mobile(form, field) -> None:
    if field.data and not is_mobile(normalize_phone(field.data)):
        raise ValidationError("手机号格式不正确，应为 11 位手机号")


class LoginForm(Form):
    # a user name no account has is simply wrong (401), whatever it holds
    clean_text = False

    username = StringField(filters=[_strip])
    password = PasswordField()


class StaffForm(Form):
    username = StringField(
        validators=[
            DataRequired("请填写用户名"),
            Regexp(USERNAME_RE, message="用户名须为 3–40 位字母、数字、下划线或点"),
        ],
        filters=[_strip],
    )
    name = StringField(
        validators=[DataRequired("请填写姓名"), CleanText(Staff.name)], filters=[_strip]
    )
    phone = StringField(validators=[CleanText(Staff.phone), _mobile], filters=[_strip])
    password = PasswordField(validators=[DataRequired("请设置初始密码")])
    role = StringField(validators=[DataRequired("请选择角色")])
    company_id = _id_field()
    estate_id = _id_field()
    street_id = _id_field()
    district = StringField(validators=[CleanText(Staff.district)], filters=[_strip])


class ActiveForm(Form):
    active = StringField(validators=[AnyOf(("0", "1"), message=BAD_CHOICE)])


class PasswordResetForm(Form):
    password = PasswordField(validators=[DataRequired("请填写新密码")])


class RejectForm(Form):
    reason = StringField(
        validators=[DataRequired("驳回必须填写原因"), CleanText(Residency.reject_reason)],
        filters=[_strip],
    )


class InviteForm(Form):
    role = SelectField(
        choices=[role.value for role in ResidencyRole],
        validate_choice=False,
        validators=[AnyOf([role.value for role in ResidencyRole], message="请选择身份")],
    )
    ends_on = _DateField(validators=[Optional()])


class ImportForm(Form):
    file = FileField(
        validators=[
            FileRequired("请选择要上传的 Excel 文件（.xlsx）"),
            FileAllowed(["xlsx"], "仅支持 .xlsx 格式的 Excel 文件"),
        ]
    )


class SearchForm(Form):
    """A list's search box (``?q=``, sent by GET)."""

    q = StringField(validators=[CleanText(40)], filters=[_strip], default="")

    def __init__(self):
        super().__init__(formdata=request.args)


def _period(form, field) -> None:
    if field.data and not PERIOD_RE.fullmatch(field.data):
        raise ValidationError("账期格式不正确，应为 YYYY-MM")


PERIOD_RE = re.compile(r"\d{4}-(0[1-9]|1[0-2])")


class ReadingForm(Form):
    """One meter reading (抄表) of a unit for a metered fee item and period."""

    building_id = IntegerField(
        validators=[DataRequired("请选择楼栋"), NumberRange(1, MAX_ID, message=BAD_CHOICE)]
    )
    number = StringField(validators=[DataRequired("请填写房号"), CleanText(40)], filters=[_strip])
    period = StringField(validators=[DataRequired("请填写账期"), _period], filters=[_strip])
    current = StringField(validators=[DataRequired("请填写本期读数")], filters=[_strip])
    previous = StringField(validators=[CleanText(20)], filters=[_strip])


class ReadingImportForm(ImportForm):
    period = StringField(validators=[DataRequired("请填写账期"), _period], filters=[_strip])


class FeeItemScopeForm(Form):
    """Which units a fee item bills and who pays it."""

    buildings = StringField(validators=[AnyOf(("all", "some"), message=BAD_CHOICE)])
    developer_held_included = BooleanField()
    tenant_pays = BooleanField()

    def building_ids(self) -> list[int]:
        """The buildings ticked (none when "all buildings" is chosen)."""
        if self.buildings.data != "some":
            return []
        values = request.form.getlist("building_ids")
        if not values or not all(
            v.isascii() and v.isdigit() and 0 < int(v) <= MAX_ID for v in values
        ):
            raise Invalid("请勾选适用的楼栋", {"building_ids": ["请勾选适用的楼栋"]})
        return [int(v) for v in values]


def refused(exc: DomainError, passes: tuple[int, ...] = (404,)) -> int:
    """A rule refused what a form asked: re-raise ``exc`` when its status is one of
    ``passes`` (the error page answers, e.g. out of scope); otherwise undo the transaction,
    flash the refusal and return its status, for the view to show its page again:
    ``except DomainError as exc: return _page(id, exc.errors, refused(exc))``."""
    if exc.status in passes:
        raise exc
    rollback()
    flash(exc.message, "error")
    return exc.status


class AmountForm(Form):
    """An amount in yuan (a bill's waiver or adjustment)."""

    amount = YuanField(validators=[InputRequired("请填写金额（元）")])
