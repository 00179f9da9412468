"""A funder's report: every figure of ``copro-report/1`` computed from the log's events alone.

``facts`` folds the events, in one pass, into what a report needs; ``figures`` turns
that into the report document; ``suppress`` hides every cell about fewer than five
people, and any cell that would let one be recovered by subtraction; ``sentences``
writes the plain sentences from what is shown. Pure: no
eventsourcing, no database driver, no web, so an auditor recomputes a report with
the same code (docs/REPORTS.md).
"""

from ledger.governance.report.figures import ReportError, report_document

__all__ = ["ReportError", "report_document"]
