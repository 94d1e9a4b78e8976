"""Elder mode (长辈版) and 请家人帮忙, as registered with the app (see ``backend/features.py``)."""

from backend.core.feature import Feature

feature = Feature(
    name="elder",
    label="长辈版",
    models="backend.elder.models",
    api="backend.elder.api:blp",
    demo="backend.elder.demo:seed",
    payment_hooks=("backend.elder.services:bills_paid",),
)
