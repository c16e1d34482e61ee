"""Intake: concerns about a student come in; a case is opened or the report joins the open one."""
