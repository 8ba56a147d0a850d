"""Per-shop configuration from SSM Parameter Store."""

from shoprelay.config.shops import (
    SHOP_DOMAIN_PATTERN,
    ShopConfig,
    load_shop_config,
    load_vendor_settings,
    parameter_prefix,
)

__all__ = ["SHOP_DOMAIN_PATTERN", "ShopConfig", "load_shop_config", "load_vendor_settings", "parameter_prefix"]
