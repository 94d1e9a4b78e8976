"""Satisfaction surveys (业主满意度测评): one answer per household, aggregate results."""
