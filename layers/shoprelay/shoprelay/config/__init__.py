"""Per-shop configuration from SSM Parameter Store, and the list of registered shops."""

from shoprelay.config.shops import (
    SHOP_DOMAIN_PATTERN,
    SHOP_KEY_PATTERN,
    ShopConfig,
    ShopSettingsError,
    load_shop_config,
    load_vendor_settings,
    parameter_prefix,
)

__all__ = [
    "SHOP_DOMAIN_PATTERN",
    "SHOP_KEY_PATTERN",
    "ShopConfig",
    "ShopSettingsError",
    "load_shop_config",
    "load_vendor_settings",
    "parameter_prefix",
]
