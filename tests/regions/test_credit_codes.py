import pytest
from django.core.exceptions import ValidationError

from portal.codes import (
    credit_code_check_character,
    serial_is_well_formed,
    validate_credit_code,
    voucher_serial,
)


def test_a_real_credit_code_passes():
    # A published code (Huawei Technologies Co., Ltd.).
    validate_credit_code("914403001922038216")


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("91440300192203821", "18 characters"),
        ("9144030019220382161", "18 characters"),
        ("91440300192203821I", "may not contain"),
        ("914403001922038217", "check character"),
    ],
)
def test_a_wrong_credit_code_says_what_is_wrong(code, message):
    with pytest.raises(ValidationError) as error:
        validate_credit_code(code)
    assert message in str(error.value)


def test_the_check_character_uses_the_gb32100_alphabet():
    assert credit_code_check_character("91440300192203821") == "6"


def test_voucher_serials_carry_a_check_digit():
    serial = voucher_serial(short_code="WJ", year=2026, number=123)
    assert serial.startswith("WJ-2026-000123-")
    assert serial_is_well_formed(serial)
    assert not serial_is_well_formed(serial[:-1] + str((int(serial[-1]) + 1) % 10))


@pytest.mark.parametrize(
    "typed",
    [
        "914403001922038216",
        " 9144 0300 1922 0382 16 ",
        "91440300-19220382-16",
        # A Chinese input method's full-width digits: ９１４４０３００１９２２０３８２１６
        "\uff19\uff11\uff14\uff14\uff10\uff13\uff10\uff10\uff11\uff19\uff12\uff12\uff10"
        "\uff13\uff18\uff12\uff11\uff16",
    ],
)
def test_a_credit_code_typed_grouped_or_full_width_is_read_as_stored(typed):
    from portal.codes import clean_credit_code

    assert clean_credit_code(typed) == "914403001922038216"
