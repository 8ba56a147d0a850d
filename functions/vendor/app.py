"""Every vendor's delivery Lambda: the template sets ``VENDOR``, the SQS event source calls ``handler``."""

import os

from shoprelay.delivery.app import make_handler

handler = make_handler(os.environ["VENDOR"])
