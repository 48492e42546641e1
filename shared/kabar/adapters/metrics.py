"""The Metrics port on Powertools Metrics: each count one CloudWatch embedded-metric-format (EMF) record
in the function's log, which CloudWatch turns into a metric (no PutMetricData call, no extra latency).

``single_metric`` flushes at once, so no handler needs the ``log_metrics`` decorator; Powertools is
imported on the first count, not at cold start.
"""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger

from ..domain.sop_metrics import NAMESPACE, SERVICE

logger = Logger(child=True)


class EmfMetrics:
    def __init__(self, namespace: str | None = None) -> None:
        self.namespace = namespace or os.environ.get("POWERTOOLS_METRICS_NAMESPACE") or NAMESPACE

    def count(self, name: str, tenant_id: str, **dimensions: str) -> None:
        try:
            from aws_lambda_powertools.metrics import MetricUnit, single_metric

            with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=self.namespace,
                               default_dimensions={**dimensions, "service": SERVICE}) as metric:
                metric.add_metadata("tenant_id", tenant_id)
        except Exception:  # noqa: BLE001 - a lost count must never undo or repeat the step it counts
            logger.exception("metric not written", extra={"metric": name})
