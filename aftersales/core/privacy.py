"""Masking of a buyer's phone and address for screens and answers that do not need them."""


def mask_phone(phone: str) -> str:
    digits = phone.strip()
    if len(digits) >= 7:
        return f"{digits[:3]}****{digits[-4:]}"
    return "****" if digits else ""


def mask_street(street: str) -> str:
    return "****" if street else ""
